#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roseyd::storage_api {

// Python's repr() of a float: the shortest digits that round-trip, in
// exponent form when the exponent is below -4 or at least 16 ("1e-05",
// "1e+16"), ".0" on integral values ("100.0"), and "inf", "-inf", "nan".
std::string PyFloatRepr(double value);

// Writes JSON exactly as Python's json.dumps() does with its defaults:
// separators ", " and ": ", every non-ASCII character (and DEL and the
// controls) escaped as \uXXXX with surrogate pairs past the BMP, floats as
// repr(), keys in the order written. roseyd: a non-finite float is written
// as null and counted (non_finite()), where json.dumps writes Infinity,
// -Infinity or NaN, which are not JSON: a strict client could not parse
// the reply. The caller writes a well-formed sequence: a Key
// before each value inside an object, balanced Begin/End.
//
// Thread: confined to the caller.
class PyJsonWriter {
 public:
  void Null();
  void Bool(bool value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Float(double value);
  // `utf8` must be valid UTF-8 (every string roseyd writes came from a
  // validated payload, a file read as UTF-8 or SQLite text written by it).
  // An invalid byte is written as U+FFFD rather than passed through.
  void String(std::string_view utf8);
  // Splices text that is already JSON (a stored value_json) as one value.
  void Raw(std::string_view json);

  void BeginObject();
  void Key(std::string_view utf8);
  void EndObject();
  void BeginArray();
  void EndArray();

  const std::string& text() const { return text_; }
  // How many non-finite floats Float() wrote as null.
  size_t non_finite() const { return non_finite_; }
  std::string Take() { return std::move(text_); }

 private:
  void BeforeValue();

  std::string text_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_;
  bool after_key_ = false;
  size_t non_finite_ = 0;
};

// Appends the JSON string literal of `utf8` (quotes included) as json.dumps
// writes it.
void AppendPyJsonString(std::string_view utf8, std::string* out);

}  // namespace roseyd::storage_api
