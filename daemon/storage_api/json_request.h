#pragma once

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "storage_api/error_reply.h"

namespace roseyd::storage_api {

// Why simdjson (not nlohmann) reads the requests: it is the project's payload
// parser already (service/json_fields.h), it validates UTF-8 as Python's
// decode() does, and its DOM is built without recursion with a depth bound,
// so a payload nested 100,000 deep is refused in microseconds instead of
// overflowing a stack. What it does not do, JsonRequest and Members() add:
// Python keeps the LAST value of a repeated key, at the position of the
// first. Differences from Python's json.loads that remain, all on input no
// client sends: NaN/Infinity literals, lone surrogates and integers beyond
// 64 bits are refused (the last with a VALIDATION_ERROR), and nesting is
// capped at kMaxJsonDepth (Python fails near 1000 with a RecursionError).
//
// Private to storage_api; the decoders' headers do not expose it.
using Element = simdjson::dom::element;

inline constexpr size_t kMaxJsonDepth = 1024;

// One parsed request body.
//
// Thread: confined to the caller. The elements live in a per-thread parser,
// so they are valid only until the next Parse on the same thread; decoders
// copy what they keep into their commands.
class JsonRequest {
 public:
  // Parses `payload`. Not JSON, bad UTF-8 or an empty body: INVALID_JSON
  // "Invalid JSON: <why>". Deeper than kMaxJsonDepth or a number beyond 64
  // bits: VALIDATION_ERROR. Valid JSON that is not an object:
  // INTERNAL_ERROR `non_object_message` (the original's generic text).
  static std::optional<ErrorReply> Parse(std::string_view payload,
                                         std::string_view non_object_message, JsonRequest* out);

  // The value of the last member named `key`; nullopt when absent.
  std::optional<Element> Get(std::string_view key) const;

  Element root() const { return root_; }

 private:
  Element root_;
};

// The members of an object as a Python dict holds them: each key once, at
// the position of its first occurrence, with the value of its last.
std::vector<std::pair<std::string_view, Element>> Members(Element object);

// Python truthiness: null, false, 0, 0.0, "", [] and {} are false.
bool PyTruthy(Element value);

// Python's type(value).__name__ of the decoded value: "NoneType", "bool",
// "int", "float", "str", "list", "dict".
std::string_view PyTypeName(Element value);

bool IsString(Element value);
std::string_view StringOf(Element value);  // REQUIRES: IsString(value)

}  // namespace roseyd::storage_api
