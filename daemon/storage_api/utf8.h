#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace roseyd::storage_api {

// Decodes the code point at text[*pos] and advances *pos past it. An invalid
// or truncated sequence yields U+FFFD and advances one byte, so a loop over a
// string always ends. Private to storage_api.
char32_t NextCodePoint(std::string_view text, size_t* pos);

// Appends the UTF-8 encoding of `cp`.
void AppendUtf8(char32_t cp, std::string* out);

// Python's str.isspace() for one code point (the set str.strip() and int()
// remove): \t \n \v \f \r, \x1c-\x1f, space, U+0085, U+00A0, U+1680,
// U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool IsPySpace(char32_t cp);

// Python's str.strip() with no argument.
std::string_view PyStrip(std::string_view text);

// The code points of `text`, as Python's len() counts them.
size_t CodePointCount(std::string_view text);

}  // namespace roseyd::storage_api
