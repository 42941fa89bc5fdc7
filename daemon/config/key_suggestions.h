#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace roseyd {

// Names close to a mistyped key or ROSEYD_* variable, so that an error says
// what was probably meant: a key put in the wrong section is found by its
// last name, else the names of its section within a few edits (KeyTable).

// "unknown key 'x'", with " (did you mean 'y'?)" when a key is close.
std::string UnknownKey(std::string_view key);

// Up to two known variables close to the unknown ROSEYD_* `name`, best
// first; none if nothing is close.
std::vector<std::string> CloseVariables(std::string_view name);

}  // namespace roseyd
