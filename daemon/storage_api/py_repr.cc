#include "storage_api/py_repr.h"

#include <cstdio>

#include "storage_api/utf8.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

// Code points outside Python's printable set, from Unicode 14's categories
// Cc, Cf, Zs (but the space), Zl, Zp, Co and Cs above ASCII.
constexpr char32_t kNotPrintable[][2] = {
    {0x80, 0xA0},       {0xAD, 0xAD},       {0x600, 0x605},       {0x61C, 0x61C},
    {0x6DD, 0x6DD},     {0x70F, 0x70F},     {0x890, 0x891},       {0x8E2, 0x8E2},
    {0x1680, 0x1680},   {0x180E, 0x180E},   {0x2000, 0x200F},     {0x2028, 0x202F},
    {0x205F, 0x2064},   {0x2066, 0x206F},   {0x3000, 0x3000},     {0xD800, 0xF8FF},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},   {0x110CD, 0x110CD},
    {0x13430, 0x13438}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},   {0xE0001, 0xE0001},
    {0xE0020, 0xE007F}, {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
};

bool IsPrintable(char32_t cp) {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7F;
  for (const auto& range : kNotPrintable) {
    if (cp >= range[0] && cp <= range[1]) return false;
  }
  return true;
}

void AppendRepr(Element value, size_t depth, std::string* out);

void AppendSequence(Element value, size_t depth, std::string* out) {
  if (value.type() == Type::ARRAY) {
    out->push_back('[');
    bool first = true;
    for (const Element item : simdjson::dom::array(value)) {
      if (!first) out->append(", ");
      first = false;
      AppendRepr(item, depth + 1, out);
    }
    out->push_back(']');
    return;
  }
  out->push_back('{');
  bool first = true;
  for (const auto& [key, item] : Members(value)) {
    if (!first) out->append(", ");
    first = false;
    out->append(PyReprString(key));
    out->append(": ");
    AppendRepr(item, depth + 1, out);
  }
  out->push_back('}');
}

void AppendRepr(Element value, size_t depth, std::string* out) {
  switch (value.type()) {
    case Type::NULL_VALUE:
      out->append("None");
      return;
    case Type::BOOL:
      out->append(value.get_bool().value_unsafe() ? "True" : "False");
      return;
    case Type::INT64:
      out->append(std::to_string(value.get_int64().value_unsafe()));
      return;
    case Type::UINT64:
      out->append(std::to_string(value.get_uint64().value_unsafe()));
      return;
    case Type::DOUBLE:
      out->append(PyFloatRepr(value.get_double().value_unsafe()));
      return;
    case Type::STRING:
      out->append(PyReprString(StringOf(value)));
      return;
    case Type::ARRAY:
    case Type::OBJECT:
      // The parser bounds nesting; this check keeps the bound local.
      if (depth >= kMaxJsonDepth) {
        out->append("...");
        return;
      }
      AppendSequence(value, depth, out);
      return;
  }
}

void WriteValue(Element value, size_t depth, PyJsonWriter* out) {
  switch (value.type()) {
    case Type::NULL_VALUE:
      out->Null();
      return;
    case Type::BOOL:
      out->Bool(value.get_bool().value_unsafe());
      return;
    case Type::INT64:
      out->Int(value.get_int64().value_unsafe());
      return;
    case Type::UINT64:
      out->Uint(value.get_uint64().value_unsafe());
      return;
    case Type::DOUBLE:
      out->Float(value.get_double().value_unsafe());
      return;
    case Type::STRING:
      out->String(StringOf(value));
      return;
    case Type::ARRAY:
      out->BeginArray();
      if (depth < kMaxJsonDepth) {
        for (const Element item : simdjson::dom::array(value)) WriteValue(item, depth + 1, out);
      }
      out->EndArray();
      return;
    case Type::OBJECT:
      out->BeginObject();
      if (depth < kMaxJsonDepth) {
        for (const auto& [key, item] : Members(value)) {
          out->Key(key);
          WriteValue(item, depth + 1, out);
        }
      }
      out->EndObject();
      return;
  }
}

}  // namespace

std::string PyReprString(std::string_view utf8) {
  const bool has_single = utf8.find('\'') != std::string_view::npos;
  const bool has_double = utf8.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (size_t pos = 0; pos < utf8.size();) {
    const size_t start = pos;
    const char32_t cp = NextCodePoint(utf8, &pos);
    char buffer[16];
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\n') {
      out.append("\\n");
    } else if (cp == '\r') {
      out.append("\\r");
    } else if (cp == '\t') {
      out.append("\\t");
    } else if (IsPrintable(cp)) {
      out.append(utf8.substr(start, pos - start));
    } else if (cp < 0x100) {
      std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(cp));
      out.append(buffer);
    } else if (cp < 0x10000) {
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(cp));
      out.append(buffer);
    } else {
      std::snprintf(buffer, sizeof buffer, "\\U%08x", static_cast<unsigned>(cp));
      out.append(buffer);
    }
  }
  out.push_back(quote);
  return out;
}

std::string PyStr(Element value) {
  if (value.type() == Type::STRING) return std::string(StringOf(value));
  return PyRepr(value);
}

std::string PyRepr(Element value) {
  std::string out;
  AppendRepr(value, 0, &out);
  return out;
}

void WritePyJson(Element value, PyJsonWriter* out) { WriteValue(value, 0, out); }

}  // namespace roseyd::storage_api
