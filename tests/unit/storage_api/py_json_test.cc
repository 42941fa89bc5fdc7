// Python json.dumps compatibility. Every expected literal was produced by
// python3 (3.11) with json.dumps(json.loads(input)) or repr().
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "storage_api/error_reply.h"
#include "storage_api/json_request.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_repr.h"

namespace roseyd::storage_api {
namespace {

// json.dumps(json.loads(text)), through the request parser.
std::string Dumps(const std::string& text) {
  JsonRequest request;
  const std::string payload = "{\"v\": " + text + "}";
  if (auto error = JsonRequest::Parse(payload, "not an object", &request)) {
    return "error: " + error->message;
  }
  PyJsonWriter out;
  WritePyJson(*request.Get("v"), &out);
  return out.Take();
}

TEST(PyFloatReprTest, MatchesPythonRepr) {
  EXPECT_EQ(PyFloatRepr(1e-5), "1e-05");
  EXPECT_EQ(PyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PyFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PyFloatRepr(0.1), "0.1");
  EXPECT_EQ(PyFloatRepr(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(PyFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PyFloatRepr(5e-324), "5e-324");
  EXPECT_EQ(PyFloatRepr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(PyFloatRepr(123456789.0), "123456789.0");
  EXPECT_EQ(PyFloatRepr(12345678901234567.0), "1.2345678901234568e+16");
  EXPECT_EQ(PyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PyFloatRepr(100.0), "100.0");
  EXPECT_EQ(PyFloatRepr(1.5e300), "1.5e+300");
  EXPECT_EQ(PyFloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(PyFloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(PyFloatRepr(std::nan("")), "nan");
}

// roseyd: json.dumps writes Infinity, -Infinity and NaN, which no strict
// JSON parser reads; they are null here, and counted.
TEST(PyJsonWriterTest, NonFiniteFloatsAreNullAndCounted) {
  PyJsonWriter out;
  out.BeginArray();
  out.Float(std::numeric_limits<double>::infinity());
  out.Float(-std::numeric_limits<double>::infinity());
  out.Float(std::nan(""));
  out.Float(1.5);
  out.EndArray();
  EXPECT_EQ(out.text(), "[null, null, null, 1.5]");
  EXPECT_EQ(out.non_finite(), 3u);
}

TEST(PyJsonWriterTest, SeparatorsAndNesting) {
  PyJsonWriter out;
  out.BeginObject();
  out.Key("a");
  out.BeginArray();
  out.Int(1);
  out.BeginObject();
  out.EndObject();
  out.Null();
  out.EndArray();
  out.Key("b");
  out.Bool(true);
  out.EndObject();
  EXPECT_EQ(out.text(), R"({"a": [1, {}, null], "b": true})");
}

TEST(PyJsonDumpsTest, LastRepeatedKeyWinsAtFirstPosition) {
  EXPECT_EQ(Dumps(R"({"a": 1, "b": [1, 2.5, "x"], "a": 3})"), R"({"a": 3, "b": [1, 2.5, "x"]})");
}

TEST(PyJsonDumpsTest, EscapesLikeEnsureAscii) {
  EXPECT_EQ(Dumps(R"("caf\u00e9 \ud83d\ude00 \u0000 \u007f \t\n\"\\/")"),
            R"("caf\u00e9 \ud83d\ude00 \u0000 \u007f \t\n\"\\/")");
  EXPECT_EQ(Dumps("\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\""), R"("\u00e9\u4e2d\ud83d\ude00")");
}

TEST(PyJsonDumpsTest, FloatsAsRepr) {
  EXPECT_EQ(Dumps("[1e-5, 1e16, 1e15, 0.1, 0.3333333333333333, -0.0, 5e-324, "
                  "1.7976931348623157e308, 123456789.0, 1E22, 12345678901234567.0, 0.0001, 100, "
                  "-0]"),
            "[1e-05, 1e+16, 1000000000000000.0, 0.1, 0.3333333333333333, -0.0, 5e-324, "
            "1.7976931348623157e+308, 123456789.0, 1e+22, 1.2345678901234568e+16, 0.0001, 100, "
            "0]");
}

TEST(PyJsonDumpsTest, IntegersExactAcrossInt64AndUint64) {
  EXPECT_EQ(Dumps("[9223372036854775807, -9223372036854775808, 18446744073709551615, "
                  "9007199254740993]"),
            "[9223372036854775807, -9223372036854775808, 18446744073709551615, "
            "9007199254740993]");
}

TEST(PyJsonDumpsTest, KeyOrderKept) {
  EXPECT_EQ(Dumps(R"({"z": {"y": null, "x": true, "w": false}, "": []})"),
            R"({"z": {"y": null, "x": true, "w": false}, "": []})");
}

TEST(JsonRequestTest, EmptyBodyGivesPythonsMessage) {
  JsonRequest request;
  const auto error = JsonRequest::Parse("", "x", &request);
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, (ErrorReply{ErrorCode::kInvalidJson,
                                "Invalid JSON: Expecting value: line 1 column 1 (char 0)"}));
}

TEST(JsonRequestTest, BadJsonAndBadUtf8AreInvalidJson) {
  JsonRequest request;
  for (const std::string payload : {"{\"a\": ", "{'a': 1}", "{\"a\": \"\xff\"}", "NaN"}) {
    const auto error = JsonRequest::Parse(payload, "x", &request);
    ASSERT_TRUE(error) << payload;
    EXPECT_EQ(error->code, ErrorCode::kInvalidJson) << payload;
    EXPECT_EQ(error->message.rfind("Invalid JSON: ", 0), 0u) << error->message;
  }
}

TEST(JsonRequestTest, NonObjectGetsTheFamilysMessage) {
  JsonRequest request;
  for (const char* payload : {"[]", "null", "\"x\"", "5"}) {
    EXPECT_EQ(JsonRequest::Parse(payload, "Unexpected error", &request),
              (ErrorReply{ErrorCode::kInternalError, "Unexpected error"}))
        << payload;
  }
}

TEST(JsonRequestTest, DeepNestingRefusedQuickly) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  JsonRequest request;
  const auto error = JsonRequest::Parse("{\"v\": " + deep + "}", "x", &request);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kValidationError);
}

TEST(JsonRequestTest, NumbersBeyond64BitsAreValidationErrors) {
  JsonRequest request;
  const auto error = JsonRequest::Parse(R"({"v": 123456789012345678901234567890})", "x", &request);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kValidationError);
}

TEST(JsonRequestTest, GetReturnsTheLastValue) {
  JsonRequest request;
  ASSERT_FALSE(JsonRequest::Parse(R"({"k": 1, "k": "two"})", "x", &request));
  EXPECT_EQ(StringOf(*request.Get("k")), "two");
  EXPECT_FALSE(request.Get("absent"));
}

TEST(JsonRequestTest, MembersDeduplicateLargeObjects) {
  std::string payload = "{";
  for (int i = 0; i < 40; ++i)
    payload += "\"k" + std::to_string(i % 20) + "\": " + std::to_string(i) + ",";
  payload += "\"end\": 0}";
  JsonRequest request;
  ASSERT_FALSE(JsonRequest::Parse(payload, "x", &request));
  const auto members = Members(request.root());
  ASSERT_EQ(members.size(), 21u);
  EXPECT_EQ(members[0].first, "k0");
  EXPECT_EQ(members[0].second.get_int64().value_unsafe(), 20);
  EXPECT_EQ(members[20].first, "end");
}

TEST(PyTruthyTest, FalsyValues) {
  JsonRequest request;
  ASSERT_FALSE(JsonRequest::Parse(
      R"({"a": null, "b": false, "c": 0, "d": 0.0, "e": "", "f": [], "g": {}, "h": "0", "i": [0], "j": -1})",
      "x", &request));
  for (const char* key : {"a", "b", "c", "d", "e", "f", "g"}) {
    EXPECT_FALSE(PyTruthy(*request.Get(key))) << key;
  }
  for (const char* key : {"h", "i", "j"}) EXPECT_TRUE(PyTruthy(*request.Get(key))) << key;
}

TEST(PyReprTest, StringsQuoteAndEscapeAsPython) {
  EXPECT_EQ(PyReprString("it's"), "\"it's\"");
  EXPECT_EQ(PyReprString("a\"b'c"), R"('a"b\'c')");
  EXPECT_EQ(PyReprString("\xc2\xa0"), R"('\xa0')");
  EXPECT_EQ(PyReprString("\xe2\x80\x8b"), R"('\u200b')");
  EXPECT_EQ(PyReprString("\xc3\xa9\n"), "'\xc3\xa9\\n'");
  EXPECT_EQ(PyReprString("\x7f\t\\"), R"('\x7f\t\\')");
  EXPECT_EQ(PyReprString("\xf0\x9f\x98\x80"), "'\xf0\x9f\x98\x80'");
  EXPECT_EQ(PyReprString("\xee\x80\x80"), R"('\ue000')");
  EXPECT_EQ(PyReprString("\xf3\xa0\x80\x81"), R"('\U000e0001')");
}

}  // namespace
}  // namespace roseyd::storage_api
