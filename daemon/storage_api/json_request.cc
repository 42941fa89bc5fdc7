#include "storage_api/json_request.h"

#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

// One parser per thread keeps its buffers between requests.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser(simdjson::SIMDJSON_MAXSIZE_BYTES);
  return parser;
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

std::optional<ErrorReply> JsonRequest::Parse(std::string_view payload,
                                             std::string_view non_object_message,
                                             JsonRequest* out) {
  if (IsBlank(payload)) {
    // The message json.loads gives for the commonest bad body, verbatim.
    return ErrorReply{ErrorCode::kInvalidJson, "Invalid JSON: Expecting value: line 1 column " +
                                                   std::to_string(payload.size() + 1) + " (char " +
                                                   std::to_string(payload.size()) + ")"};
  }
  Element root;
  const simdjson::error_code error =
      ThreadParser().parse(payload.data(), payload.size(), /*realloc_if_needed=*/true).get(root);
  if (error == simdjson::DEPTH_ERROR) {
    return ErrorReply{
        ErrorCode::kValidationError,
        "JSON nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels is not supported"};
  }
  // simdjson refuses a number beyond 64 bits as it refuses a malformed one;
  // nlohmann (called only on this error path) tells them apart.
  if (error == simdjson::NUMBER_ERROR && nlohmann::json::accept(payload)) {
    return ErrorReply{ErrorCode::kValidationError,
                      "Numbers beyond 64-bit integers or double range are not supported"};
  }
  if (error != simdjson::SUCCESS) {
    return ErrorReply{ErrorCode::kInvalidJson,
                      std::string("Invalid JSON: ") + simdjson::error_message(error)};
  }
  if (root.type() != Type::OBJECT) {
    return ErrorReply{ErrorCode::kInternalError, std::string(non_object_message)};
  }
  out->root_ = root;
  return std::nullopt;
}

std::optional<Element> JsonRequest::Get(std::string_view key) const {
  std::optional<Element> found;
  for (const simdjson::dom::key_value_pair member : simdjson::dom::object(root_)) {
    if (member.key == key) found = member.value;
  }
  return found;
}

std::vector<std::pair<std::string_view, Element>> Members(Element object) {
  std::vector<std::pair<std::string_view, Element>> members;
  const simdjson::dom::object view(object);
  // A linear search is cheapest for the usual handful of keys; a map keeps
  // a hostile object of 100,000 keys linear too.
  constexpr size_t kLinearLimit = 16;
  std::unordered_map<std::string_view, size_t> index;
  for (const simdjson::dom::key_value_pair member : view) {
    size_t found = members.size();
    if (members.size() < kLinearLimit) {
      for (size_t i = 0; i < members.size(); ++i) {
        if (members[i].first == member.key) found = i;
      }
    } else {
      if (index.empty()) {
        for (size_t i = 0; i < members.size(); ++i) index.emplace(members[i].first, i);
      }
      const auto it = index.find(member.key);
      if (it != index.end()) found = it->second;
    }
    if (found < members.size()) {
      members[found].second = member.value;
    } else {
      if (!index.empty()) index.emplace(member.key, members.size());
      members.emplace_back(member.key, member.value);
    }
  }
  return members;
}

bool PyTruthy(Element value) {
  switch (value.type()) {
    case Type::NULL_VALUE:
      return false;
    case Type::BOOL:
      return value.get_bool().value_unsafe();
    case Type::INT64:
      return value.get_int64().value_unsafe() != 0;
    case Type::UINT64:
      return value.get_uint64().value_unsafe() != 0;
    case Type::DOUBLE:
      return value.get_double().value_unsafe() != 0.0;
    case Type::STRING:
      return !value.get_string().value_unsafe().empty();
    case Type::ARRAY:
      return simdjson::dom::array(value).size() != 0;
    case Type::OBJECT:
      return simdjson::dom::object(value).size() != 0;
  }
  return false;
}

std::string_view PyTypeName(Element value) {
  switch (value.type()) {
    case Type::NULL_VALUE:
      return "NoneType";
    case Type::BOOL:
      return "bool";
    case Type::INT64:
    case Type::UINT64:
      return "int";
    case Type::DOUBLE:
      return "float";
    case Type::STRING:
      return "str";
    case Type::ARRAY:
      return "list";
    case Type::OBJECT:
      return "dict";
  }
  return "object";
}

bool IsString(Element value) { return value.type() == Type::STRING; }

std::string_view StringOf(Element value) { return value.get_string().value_unsafe(); }

}  // namespace roseyd::storage_api
