// Python coercions: str(), int(), float(), the boolean rule and
// datetime.fromisoformat() of Python 3.11. The table's expectations were
// produced by running the original's _validate_and_coerce_row logic in
// python3 3.11 on each JSON value.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <variant>

#include "storage_api/json_request.h"
#include "storage_api/py_datetime.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_number.h"
#include "storage_api/row_coercion.h"

namespace roseyd::storage_api {
namespace {

struct CoercionCase {
  const char* type;
  const char* json;
  const char* expected;  // "text:...", "int:...", "float:<repr>", "error:<message>"
};

constexpr CoercionCase kCases[] = {
    {"string", R"(7)", R"(text:7)"},
    {"string", R"(1.5)", R"(text:1.5)"},
    {"string", R"(1e20)", R"(text:1e+20)"},
    {"string", R"(true)", R"(text:True)"},
    {"string", R"(null)", R"(text:None)"},
    {"string", R"({"a": 1, "b": [1, "it's", null, true, 2.5, {"c": "x\ny"}]})",
     R"(text:{'a': 1, 'b': [1, "it's", None, True, 2.5, {'c': 'x\ny'}]})"},
    {"string", R"("\u00e9\u00a0\u200b\ud83d\ude00")", R"(text:é ​😀)"},
    {"string", R"([1e-7, -0.0, 1e16])", R"(text:[1e-07, -0.0, 1e+16])"},
    {"string", R"({"q": "a\"b'c"})", R"(text:{'q': 'a"b\'c'})"},
    {"integer", R"("42")", "int:42"},
    {"integer", R"(" -4_2 ")", "int:-42"},
    {"integer", R"("\u3000+7\u00a0")", "int:7"},
    {"integer", R"("\u0664\u0662")", "int:42"},
    {"integer", R"("4.5")",
     R"(error:Cannot convert value to integer: invalid literal for int() with base 10: '4.5')"},
    {"integer", R"("1__2")",
     R"(error:Cannot convert value to integer: invalid literal for int() with base 10: '1__2')"},
    {"integer", R"("_1")",
     R"(error:Cannot convert value to integer: invalid literal for int() with base 10: '_1')"},
    {"integer", R"("")",
     R"(error:Cannot convert value to integer: invalid literal for int() with base 10: '')"},
    {"integer", R"(3.9)", "int:3"},
    {"integer", R"(-3.9)", "int:-3"},
    {"integer", R"(true)", "int:1"},
    {"integer", R"([1])",
     R"(error:Cannot convert value to integer: Cannot convert list to integer)"},
    {"integer", R"({})",
     R"(error:Cannot convert value to integer: Cannot convert dict to integer)"},
    {"integer", R"("9223372036854775807")", "int:9223372036854775807"},
    {"integer", R"("-9223372036854775808")", "int:-9223372036854775808"},
    {"float", R"("nan")", "float:NaN"},
    // roseyd: Python gives -inf and inf for these two, which the original
    // stored and then answered as a bare -Infinity / Infinity (not JSON).
    {"float", R"(" -Infinity ")",
     R"(error:Cannot convert value to float: -inf is not a finite number (roseyd stores only what a JSON reply can carry))"},
    {"float", R"("1_0.5")", "float:10.5"},
    {"float", R"("1e400")",
     R"(error:Cannot convert value to float: inf is not a finite number (roseyd stores only what a JSON reply can carry))"},
    {"float", R"("-1e-400")", "float:-0.0"},
    {"float", R"("1__0")",
     R"(error:Cannot convert value to float: could not convert string to float: '1__0')"},
    {"float", R"("0x10")",
     R"(error:Cannot convert value to float: could not convert string to float: '0x10')"},
    {"float", R"("\u0661.\u0665")", "float:1.5"},
    {"float", R"(true)", "float:1.0"},
    {"float", R"(5)", "float:5.0"},
    {"float", R"([1])",
     R"(error:Cannot convert value to float: float() argument must be a string or a real number, not 'list')"},
    {"float", R"("abc")",
     R"(error:Cannot convert value to float: could not convert string to float: 'abc')"},
    {"float", R"(".5")", "float:0.5"},
    {"float", R"("5.")", "float:5.0"},
    {"float", R"("1e5_0")", "float:1e+50"},
    {"boolean", R"("TRUE")", "int:1"},
    {"boolean", R"("Yes")", "int:1"},
    {"boolean", R"("on")", "int:1"},
    {"boolean", R"("0")", "int:0"},
    {"boolean", R"("no")", "int:0"},
    {"boolean", R"(0)", "int:0"},
    {"boolean", R"(2)", "int:1"},
    {"boolean", R"(0.0)", "int:0"},
    {"boolean", R"([])", "int:0"},
    {"boolean", R"([0])", "int:1"},
    {"boolean", R"({})", "int:0"},
    {"boolean", R"("")", "int:0"},
    {"datetime", R"("2025-01-02")", R"(text:2025-01-02 00:00:00.000000)"},
    {"datetime", R"("2025-01-02 03:04:05")", R"(text:2025-01-02 03:04:05.000000)"},
    {"datetime", R"("2025-01-02T03:04:05.123456+02:00")", R"(text:2025-01-02 03:04:05.123456)"},
    {"datetime", R"("2025-01-02T03:04:05Z")", R"(text:2025-01-02 03:04:05.000000)"},
    {"datetime", R"("2025-01-02T03:04:05.5")", R"(text:2025-01-02 03:04:05.500000)"},
    {"datetime", R"("20250102T030405")", R"(text:2025-01-02 03:04:05.000000)"},
    {"datetime", R"("2025-W01-3")", R"(text:2025-01-01 00:00:00.000000)"},
    {"datetime", R"("2025-02-30")",
     R"(error:Cannot convert value to datetime: day is out of range for month)"},
    {"datetime", R"("2025-13-01")",
     R"(error:Cannot convert value to datetime: month must be in 1..12)"},
    {"datetime", R"("2025-01-02T25:00")",
     R"(error:Cannot convert value to datetime: hour must be in 0..23)"},
    {"datetime", R"("nope")",
     R"(error:Cannot convert value to datetime: Invalid isoformat string: 'nope')"},
    {"datetime", R"("2025-01-02T03:04:05+25:00")",
     R"(error:Cannot convert value to datetime: offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not datetime.timedelta(days=1, seconds=3600).)"},
    {"datetime", R"(5)",
     R"(error:Cannot convert value to datetime: Cannot convert int to datetime)"},
    {"datetime", R"(true)",
     R"(error:Cannot convert value to datetime: Cannot convert bool to datetime)"},
    {"datetime", R"("2025-01-02T03:04:05.1234567")", R"(text:2025-01-02 03:04:05.123456)"},
    {"datetime", R"("2025-01-02x03:04")", R"(text:2025-01-02 03:04:00.000000)"},
    {"datetime", R"("0000-01-01")",
     R"(error:Cannot convert value to datetime: year 0 is out of range)"},
    {"datetime", R"("2025-01-02T03:04Z")", R"(text:2025-01-02 03:04:00.000000)"},
    {"datetime", R"("2025-01-02T03:04:05-24:00")",
     R"(error:Cannot convert value to datetime: offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not datetime.timedelta(days=-1).)"},
};

FieldType TypeNamed(std::string_view name) {
  for (FieldType type : {FieldType::kString, FieldType::kText, FieldType::kInteger,
                         FieldType::kFloat, FieldType::kBoolean, FieldType::kDatetime}) {
    if (FieldTypeName(type) == name) return type;
  }
  return FieldType::kString;
}

// What the coercion stored, in the table's notation.
std::string Coerce(const CoercionCase& c) {
  JsonRequest request;
  const std::string payload = std::string("{\"v\": ") + c.json + "}";
  if (auto error = JsonRequest::Parse(payload, "x", &request)) return "parse: " + error->message;
  const FieldType type = TypeNamed(c.type);
  auto result = CoerceValue(type, *request.Get("v"));
  if (auto* failure = std::get_if<CoercionFailure>(&result)) {
    return std::string(failure->database ? "database:" : "error:") + "Cannot convert value to " +
           std::string(FieldTypeName(type)) + ": " + failure->detail;
  }
  const SqlValue& value = std::get<SqlValue>(result);
  if (const auto* s = std::get_if<std::string>(&value)) return "text:" + *s;
  if (const auto* i = std::get_if<int64_t>(&value)) return "int:" + std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) return "float:" + PyFloatRepr(*d);
  return "float:NaN";  // NULL: a NaN, as SQLite stores it
}

TEST(CoercionTest, MatchesPython) {
  for (const CoercionCase& c : kCases) {
    EXPECT_EQ(Coerce(c), c.expected) << c.type << " " << c.json;
  }
}

TEST(CoercionTest, IntErrorQuotesAtMost200CharactersOfTheRepr) {
  const std::string json = "\"" + std::string(300, 'x') + "\"";
  const CoercionCase c{"integer", json.c_str(), ""};
  // Python: "invalid literal for int() with base 10: '" + 199 x (len 240).
  EXPECT_EQ(Coerce(c),
            "error:Cannot convert value to integer: invalid literal for int() with "
            "base 10: '" +
                std::string(199, 'x'));
}

TEST(CoercionTest, BeyondInt64IsADatabaseFailure) {
  EXPECT_EQ(Coerce({"integer", "\"9223372036854775808\"", ""}).rfind("database:", 0), 0u);
  EXPECT_EQ(Coerce({"integer", "1e19", ""}).rfind("database:", 0), 0u);
  EXPECT_EQ(Coerce({"integer", "18446744073709551615", ""}).rfind("database:", 0), 0u);
}

TEST(PyIntTest, TooManyDigitsIsPythonsLimitMessage) {
  const std::string digits(4301, '1');
  const PyIntParse parse = ParsePyInt(digits);
  EXPECT_EQ(parse.outcome, PyIntParse::Outcome::kTooManyDigits);
  EXPECT_EQ(PyIntErrorMessage(digits, parse),
            "Exceeds the limit (4300 digits) for integer string conversion: value has 4301 "
            "digits; use sys.set_int_max_str_digits() to increase the limit");
  EXPECT_EQ(ParsePyInt(std::string(4301, '1') + "x").outcome, PyIntParse::Outcome::kInvalid);
}

TEST(PyFloatTest, SpecialValues) {
  EXPECT_TRUE(std::isnan(*ParsePyFloat("+nan")));
  EXPECT_EQ(*ParsePyFloat("iNfInItY"), std::numeric_limits<double>::infinity());
  EXPECT_FALSE(ParsePyFloat("infinit"));
  EXPECT_FALSE(ParsePyFloat("."));
  EXPECT_FALSE(ParsePyFloat("1e"));
  EXPECT_EQ(*ParsePyFloat("-.5e-3"), -0.0005);
}

std::string Iso(std::string_view text) {
  auto parsed = PyFromIsoformat(text);
  if (auto* error = std::get_if<std::string>(&parsed)) return "error:" + *error;
  return Isoformat(std::get<PyDatetime>(parsed));
}

TEST(PyDatetimeTest, IsoformatMatchesPython) {
  EXPECT_EQ(Iso("2025-01-02T03:04:05+23:59:59.5"), "2025-01-02T03:04:05+23:59:59.500000");
  EXPECT_EQ(Iso("2025-01-02T03:04:05-01:30"), "2025-01-02T03:04:05-01:30");
  EXPECT_EQ(Iso("2025-01-02T03:04:05.000001"), "2025-01-02T03:04:05.000001");
  EXPECT_EQ(Iso("2025-01-02 03:04:05+02:30:15.25"), "2025-01-02T03:04:05+02:30:15.250000");
  EXPECT_EQ(Iso("2020-W53-7"), "2021-01-03T00:00:00");
  EXPECT_EQ(Iso("2025W017"), "2025-01-05T00:00:00");
  EXPECT_EQ(Iso("2025-01-02T03:04:05-00:00:00.5"), "2025-01-02T03:04:05+00:00");
  EXPECT_EQ(Iso("2025-01-02T12:30:45:123"), "2025-01-02T12:30:45.123000");
  EXPECT_EQ(Iso("2024-02-29T23:59:59,5"), "2024-02-29T23:59:59.500000");
  EXPECT_EQ(Iso("2025-01-02 03:04:05.000000"), "2025-01-02T03:04:05");
}

TEST(PyDatetimeTest, AnySingleCharacterSeparates) {
  EXPECT_EQ(Iso("2025-01-02\xc3\xa9"
                "03:04"),
            "2025-01-02T03:04:00");
  EXPECT_EQ(Iso("2025-01-02\xf0\x9f\x98\x80"
                "03:04"),
            "2025-01-02T03:04:00");
  EXPECT_EQ(Iso("20250102\xc3\xa9"
                "0304"),
            "2025-01-02T03:04:00");
  EXPECT_EQ(Iso("2025-01-02\xc3\xa9\xc3\xa9"
                "03:04"),
            "error:Invalid isoformat string: '2025-01-02\xc3\xa9\xc3\xa9"
            "03:04'");
}

TEST(PyDatetimeTest, ErrorsMatchPython) {
  EXPECT_EQ(Iso("2025-01-02T12:00:00."), "error:Invalid isoformat string: '2025-01-02T12:00:00.'");
  EXPECT_EQ(Iso("2025-W53-1"), "error:Invalid isoformat string: '2025-W53-1'");
  EXPECT_EQ(Iso("2025-0102"), "error:Invalid isoformat string: '2025-0102'");
  EXPECT_EQ(Iso("2025-W01-8"), "error:Invalid isoformat string: '2025-W01-8'");
  EXPECT_EQ(Iso("2025-01-02T03:04:05+"), "error:Invalid isoformat string: '2025-01-02T03:04:05+'");
  EXPECT_EQ(Iso("9999-W52-7"), "error:year 10000 is out of range");
  EXPECT_EQ(Iso("2023-02-29"), "error:day is out of range for month");
  EXPECT_EQ(Iso("abcdefg"), "error:Invalid isoformat string: 'abcdefg'");
  EXPECT_EQ(Iso("2025-01-02T03:04:05+0"),
            "error:Invalid isoformat string: '2025-01-02T03:04:05+0'");
  EXPECT_EQ(Iso("2025-01-02T03:04:05.123x"),
            "error:Invalid isoformat string: '2025-01-02T03:04:05.123x'");
  EXPECT_EQ(Iso("2025-1"), "error:Invalid isoformat string: '2025-1'");
}

TEST(PyDatetimeTest, StoredTimesAreSixDigitText) {
  using std::chrono::microseconds;
  const std::chrono::system_clock::time_point when(microseconds(1'700'000'000'000'001));
  EXPECT_EQ(StoredUtcTime(when), "2023-11-14 22:13:20.000001");
  EXPECT_EQ(StoredLocalTime(when).size(), 26u);
}

}  // namespace
}  // namespace roseyd::storage_api
