#pragma once

#include <string>
#include <string_view>

#include "storage_api/json_request.h"
#include "storage_api/py_json_writer.h"

namespace roseyd::storage_api {

// Python's repr() of a str: single quotes unless the text holds ' and no ",
// backslash escapes for \\ \n \r \t and the quote, \xNN / \uNNNN / \UNNNNNNNN
// for characters Python does not print. Printable is approximated by the
// Unicode categories Cc Cf Zs Zl Zp Co Cs (Unicode 14); unassigned code
// points, which Python 3.11 also escapes, are kept.
std::string PyReprString(std::string_view utf8);

// Python's str() and repr() of a decoded JSON value: None, True, False,
// integers, float repr, and lists/dicts as Python prints them
// ("{'a': [1, 'x', None]}"). str() of a string is the string itself.
// Recursion is bounded by kMaxJsonDepth (the parser refuses deeper input).
std::string PyStr(Element value);
std::string PyRepr(Element value);

// Writes `value` as Python's json.dumps(json.loads(text)) would: repeated
// keys collapsed as Python's dict does, floats as repr.
void WritePyJson(Element value, PyJsonWriter* out);

}  // namespace roseyd::storage_api
