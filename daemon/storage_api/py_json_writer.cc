#include "storage_api/py_json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "storage_api/utf8.h"

namespace roseyd::storage_api {

namespace {

void AppendHex4(unsigned value, std::string* out) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", value & 0xFFFF);
  out->append(buffer);
}

}  // namespace

std::string PyFloatRepr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // to_chars without a precision gives the shortest digits that round-trip,
  // the digits repr() picks too; only the layout differs.
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view sci(buffer, static_cast<size_t>(result.ptr - buffer));
  const size_t e = sci.find('e');
  std::string_view mantissa = sci.substr(0, e);
  const int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string out;
  if (!mantissa.empty() && mantissa.front() == '-') {
    out.push_back('-');
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  if (exponent < -4 || exponent >= 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out.append(exp);
  } else if (exponent < 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out.append(digits);
  } else {
    const size_t integral = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= integral) {
      out.append(digits);
      out.append(integral - digits.size(), '0');
      out.append(".0");
    } else {
      out.append(digits, 0, integral);
      out.push_back('.');
      out.append(digits, integral);
    }
  }
  return out;
}

void AppendPyJsonString(std::string_view utf8, std::string* out) {
  out->push_back('"');
  for (size_t pos = 0; pos < utf8.size();) {
    const unsigned char c = static_cast<unsigned char>(utf8[pos]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '"' || c == '\\') out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++pos;
      continue;
    }
    const char32_t cp = NextCodePoint(utf8, &pos);
    switch (cp) {
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (cp >= 0x10000) {
          const char32_t v = cp - 0x10000;
          AppendHex4(0xD800 + (v >> 10), out);
          AppendHex4(0xDC00 + (v & 0x3FF), out);
        } else {
          AppendHex4(cp, out);
        }
    }
  }
  out->push_back('"');
}

void PyJsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) text_.append(", ");
    first_.back() = false;
  }
}

void PyJsonWriter::Null() {
  BeforeValue();
  text_.append("null");
}

void PyJsonWriter::Bool(bool value) {
  BeforeValue();
  text_.append(value ? "true" : "false");
}

void PyJsonWriter::Int(int64_t value) {
  BeforeValue();
  text_.append(std::to_string(value));
}

void PyJsonWriter::Uint(uint64_t value) {
  BeforeValue();
  text_.append(std::to_string(value));
}

void PyJsonWriter::Float(double value) {
  BeforeValue();
  if (std::isfinite(value)) {
    text_.append(PyFloatRepr(value));
  } else {
    text_.append("null");
    ++non_finite_;
  }
}

void PyJsonWriter::String(std::string_view utf8) {
  BeforeValue();
  AppendPyJsonString(utf8, &text_);
}

void PyJsonWriter::Raw(std::string_view json) {
  BeforeValue();
  text_.append(json);
}

void PyJsonWriter::BeginObject() {
  BeforeValue();
  text_.push_back('{');
  first_.push_back(true);
}

void PyJsonWriter::Key(std::string_view utf8) {
  if (!first_.back()) text_.append(", ");
  first_.back() = false;
  AppendPyJsonString(utf8, &text_);
  text_.append(": ");
  after_key_ = true;
}

void PyJsonWriter::EndObject() {
  first_.pop_back();
  text_.push_back('}');
}

void PyJsonWriter::BeginArray() {
  BeforeValue();
  text_.push_back('[');
  first_.push_back(true);
}

void PyJsonWriter::EndArray() {
  first_.pop_back();
  text_.push_back(']');
}

}  // namespace roseyd::storage_api
