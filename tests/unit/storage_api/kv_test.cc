#include "storage_api/kv.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "unit/storage_api/sqlite_db.h"

namespace roseyd::storage_api {
namespace {

constexpr int64_t kNow = 1'700'000'000;

template <typename T>
ErrorReply ErrorOf(const std::variant<T, ErrorReply>& result) {
  if (const auto* error = std::get_if<ErrorReply>(&result)) return *error;
  ADD_FAILURE() << "decoded, expected an error";
  return {};
}

template <typename T>
T CommandOf(const std::variant<T, ErrorReply>& result) {
  if (const auto* error = std::get_if<ErrorReply>(&result)) {
    ADD_FAILURE() << "error: " << error->message;
    return {};
  }
  return std::get<T>(result);
}

ErrorReply Missing(const char* field) {
  return {ErrorCode::kMissingField, std::string("Required field '") + field + "' is missing"};
}

TEST(KvDecodeTest, SetChecksFieldsInOrder) {
  EXPECT_EQ(ErrorOf(DecodeKvSet("{}", kNow)), Missing("plugin_name"));
  EXPECT_EQ(ErrorOf(DecodeKvSet(R"({"plugin_name": "", "key": "k", "value": 1})", kNow)),
            Missing("plugin_name"));
  EXPECT_EQ(ErrorOf(DecodeKvSet(R"({"plugin_name": "p", "key": 0, "value": 1})", kNow)),
            Missing("key"));
  EXPECT_EQ(ErrorOf(DecodeKvSet(R"({"plugin_name": "p", "key": [], "value": 1})", kNow)),
            Missing("key"));
  EXPECT_EQ(ErrorOf(DecodeKvSet(R"({"plugin_name": "p", "key": "k"})", kNow)), Missing("value"));
}

TEST(KvDecodeTest, FalsyValuesCountAsMissing) {
  for (const char* value : {"null", "false", "0", "\"\"", "{}", "[]"}) {
    const std::string payload = std::string(R"({"plugin_name": )") + value + "}";
    EXPECT_EQ(ErrorOf(DecodeKvGet(payload)), Missing("plugin_name")) << value;
  }
}

TEST(KvDecodeTest, NullValueIsAValue) {
  const KvSet set =
      CommandOf(DecodeKvSet(R"({"plugin_name": "p", "key": "k", "value": null})", kNow));
  EXPECT_EQ(set.value_json, "null");
}

TEST(KvDecodeTest, SetStoresPythonDumpsAndTtl) {
  const KvSet set = CommandOf(DecodeKvSet(
      R"({"plugin_name": "trivia", "key": "cfg", "value": {"b": [1, 2.0, "\u00e9"], "a": 9007199254740993}, "ttl_seconds": 30, "extra": 1})",
      kNow));
  EXPECT_EQ(set, (KvSet{"trivia", "cfg", R"({"b": [1, 2.0, "\u00e9"], "a": 9007199254740993})",
                        kNow + 30}));
}

TEST(KvDecodeTest, TtlZeroNegativeOrNullNeverExpires) {
  for (const char* ttl : {"0", "-5", "null", "false"}) {
    const std::string payload =
        std::string(R"({"plugin_name": "p", "key": "k", "value": 1, "ttl_seconds": )") + ttl + "}";
    EXPECT_EQ(CommandOf(DecodeKvSet(payload, kNow)).expires_at, std::nullopt) << ttl;
  }
  EXPECT_EQ(
      CommandOf(
          DecodeKvSet(R"({"plugin_name": "p", "key": "k", "value": 1, "ttl_seconds": 2.5})", kNow))
          .expires_at,
      kNow + 3);
  EXPECT_EQ(
      CommandOf(DecodeKvSet(R"({"plugin_name": "p", "key": "k", "value": 1, "ttl_seconds": 1e300})",
                            kNow))
          .expires_at,
      std::numeric_limits<int64_t>::max());
}

TEST(KvDecodeTest, NonNumericTtlIsValidationError) {
  EXPECT_EQ(
      ErrorOf(
          DecodeKvSet(R"({"plugin_name": "p", "key": "k", "value": 1, "ttl_seconds": "60"})", kNow))
          .code,
      ErrorCode::kValidationError);
}

TEST(KvDecodeTest, NonStringKeyIsValidationError) {
  EXPECT_EQ(ErrorOf(DecodeKvGet(R"({"plugin_name": "p", "key": 5})")),
            (ErrorReply{ErrorCode::kValidationError, "Field 'key' must be a string, got int"}));
}

TEST(KvDecodeTest, SizeLimitIsInclusiveOnPythonsEscapedBytes) {
  const auto set = [](const std::string& value) {
    return DecodeKvSet(R"({"plugin_name": "p", "key": "k", "value": ")" + value + "\"}", kNow);
  };
  EXPECT_EQ(CommandOf(set(std::string(65534, 'a'))).value_json.size(), 65536u);
  EXPECT_EQ(ErrorOf(set(std::string(65535, 'a'))),
            (ErrorReply{ErrorCode::kValueTooLarge,
                        "Value size (65537 bytes) exceeds 64KB limit (65536 bytes)"}));
  std::string accents;
  for (int i = 0; i < 10923; ++i) accents += "\xc3\xa9";
  EXPECT_EQ(ErrorOf(set(accents)).message,
            "Value size (65540 bytes) exceeds 64KB limit (65536 bytes)");
}

TEST(KvDecodeTest, InvalidJsonAndNonObject) {
  EXPECT_EQ(ErrorOf(DecodeKvDelete("{nope")).code, ErrorCode::kInvalidJson);
  EXPECT_EQ(ErrorOf(DecodeKvDelete("[1]")),
            (ErrorReply{ErrorCode::kInternalError, "Unexpected error occurred"}));
}

TEST(KvDecodeTest, ListDefaultsAndCoercions) {
  EXPECT_EQ(CommandOf(DecodeKvList(R"({"plugin_name": "p"})")), (KvList{"p", "", 1000}));
  EXPECT_EQ(CommandOf(DecodeKvList(R"({"plugin_name": "p", "prefix": 5, "limit": -3})")),
            (KvList{"p", "5", 0}));
  EXPECT_EQ(CommandOf(DecodeKvList(R"({"plugin_name": "p", "prefix": "", "limit": 2})")),
            (KvList{"p", "", 2}));
  EXPECT_EQ(ErrorOf(DecodeKvList(R"({"plugin_name": "p", "limit": 2.5})")).code,
            ErrorCode::kValidationError);
  EXPECT_EQ(ErrorOf(DecodeKvList(R"({"prefix": "a"})")), Missing("plugin_name"));
}

class KvSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& ddl : KvTableDdl()) ASSERT_EQ(db_.Exec(ddl), "");
  }
  void Set(const std::string& key, const std::string& payload_value, int64_t now,
           const char* ttl = "null") {
    const std::string payload = R"({"plugin_name": "p", "key": ")" + key + R"(", "value": )" +
                                payload_value + R"(, "ttl_seconds": )" + ttl + "}";
    db_.Run(KvSetStatement(CommandOf(DecodeKvSet(payload, now)), now, Dialect::kSqlite));
  }
  std::string Get(const std::string& key, int64_t now) {
    const auto rows = db_.Run(KvGetStatement({"p", key}, now, Dialect::kSqlite));
    return RenderKvGetReply(rows.empty() ? std::nullopt
                                         : std::optional(std::get<std::string>(rows[0][0])));
  }
  std::vector<std::string> List(const std::string& prefix, int64_t limit) {
    return Texts(db_.Run(KvListStatement({"p", prefix, limit}, kNow, Dialect::kSqlite)));
  }

  SqliteDb db_;
};

TEST_F(KvSqlTest, UpsertKeepsCreatedAtAndClearsTtl) {
  Set("k", "1", kNow, "60");
  Set("k", "2", kNow + 10);
  const auto rows =
      db_.Run({"SELECT value_json, expires_at, created_at, updated_at FROM "
               "plugin_kv_storage",
               {}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<SqlValue>{std::string("2"), SqlValue(), kNow, kNow + 10}));
}

TEST_F(KvSqlTest, GetSplicesTheStoredValueAndHidesExpired) {
  Set("k", R"({"a": [1, 2.5]})", kNow, "10");
  EXPECT_EQ(Get("k", kNow + 9),
            R"({"success": true, "data": {"exists": true, "value": {"a": [1, 2.5]}}})");
  EXPECT_EQ(Get("k", kNow + 10), R"({"success": true, "data": {"exists": false}})");
  EXPECT_EQ(Get("absent", kNow), R"({"success": true, "data": {"exists": false}})");
}

TEST_F(KvSqlTest, UndecodableStoredValueReadsAsAbsent) {
  EXPECT_EQ(RenderKvGetReply(std::string("{broken")),
            R"({"success": true, "data": {"exists": false}})");
}

// The original's json.dumps wrote NaN and Infinity (its json.loads read them
// from requests): such a stored value is answered with null in their place.
TEST_F(KvSqlTest, StoredNonFiniteNumbersAreAnsweredAsNull) {
  size_t non_finite = 9;
  EXPECT_EQ(RenderKvGetReply(std::string(R"({"a": NaN, "b": [Infinity, -Infinity, "NaN \" Infinity"]})"),
                             &non_finite),
            R"({"success": true, "data": {"exists": true, "value": {"a": null, "b": [null, null, "NaN \" Infinity"]}}})");
  EXPECT_EQ(non_finite, 3u);
  EXPECT_EQ(RenderKvGetReply(std::string("[1, 2]"), &non_finite),
            R"({"success": true, "data": {"exists": true, "value": [1, 2]}})");
  EXPECT_EQ(non_finite, 0u);
  EXPECT_EQ(RenderKvGetReply(std::string("[NaN, {broken"), &non_finite),
            R"({"success": true, "data": {"exists": false}})");
  EXPECT_EQ(non_finite, 0u);
}

TEST_F(KvSqlTest, DeleteCountsExpiredRows) {
  Set("k", "1", kNow, "1");
  db_.Run(KvDeleteStatement({"p", "k"}, Dialect::kSqlite));
  EXPECT_EQ(RenderKvDeleteReply(db_.Changes() > 0),
            R"({"success": true, "data": {"deleted": true}})");
  db_.Run(KvDeleteStatement({"p", "k"}, Dialect::kSqlite));
  EXPECT_EQ(db_.Changes(), 0);
}

TEST_F(KvSqlTest, ListPrefixIsLiteralCaseSensitiveAndBinaryOrdered) {
  for (const char* key : {"a_1", "a2", "a%z", "B", "a", "A", "ab", "b"}) Set(key, "0", kNow);
  EXPECT_EQ(List("", 100),
            (std::vector<std::string>{"A", "B", "a", "a%z", "a2", "a_1", "ab", "b"}));
  EXPECT_EQ(List("a_", 100), (std::vector<std::string>{"a_1"}));
  EXPECT_EQ(List("a%", 100), (std::vector<std::string>{"a%z"}));
  EXPECT_EQ(List("A", 100), (std::vector<std::string>{"A"}));
  EXPECT_EQ(List("a", 100), (std::vector<std::string>{"a", "a%z", "a2", "a_1", "ab"}));
}

TEST_F(KvSqlTest, ListPrefixBoundaryBytes) {
  for (const char* key : {"\xc3\xa9t\xc3\xa9", "\xc3\xa9", "\xc3\xaa", "z"}) Set(key, "0", kNow);
  EXPECT_EQ(List("\xc3\xa9", 100), (std::vector<std::string>{"\xc3\xa9", "\xc3\xa9t\xc3\xa9"}));
}

TEST_F(KvSqlTest, ListHidesExpiredAndTruncates) {
  Set("a", "0", kNow, "5");
  Set("b", "0", kNow);
  Set("c", "0", kNow);
  const std::vector<std::string> keys =
      Texts(db_.Run(KvListStatement({"p", "", 1}, kNow + 5, Dialect::kSqlite)));
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(RenderKvListReply(keys, 1),
            R"({"success": true, "data": {"keys": ["b"], "count": 1, "truncated": true}})");
  EXPECT_EQ(RenderKvListReply(keys, 0),
            R"({"success": true, "data": {"keys": [], "count": 0, "truncated": true}})");
}

TEST_F(KvSqlTest, PurgeDeletesOnlyExpired) {
  Set("a", "0", kNow, "5");
  Set("b", "0", kNow);
  db_.Run(KvPurgeStatement(kNow + 6, Dialect::kSqlite));
  EXPECT_EQ(Texts(db_.Run({"SELECT \"key\" FROM plugin_kv_storage", {}})),
            (std::vector<std::string>{"b"}));
}

TEST(ErrorReplyTest, GenericFailuresOfEachFamily) {
  EXPECT_EQ(
      RenderErrorReply(KvDatabaseFailed()),
      R"({"success": false, "error": {"code": "INTERNAL_ERROR", "message": "Database operation failed"}})");
  EXPECT_EQ(
      RenderErrorReply(RowOperationFailed("Delete")),
      R"({"success": false, "error": {"code": "DATABASE_ERROR", "message": "Delete operation failed"}})");
  EXPECT_EQ(
      RenderErrorReply(SchemaRegistrationFailed()),
      R"({"success": false, "error": {"code": "INTERNAL_ERROR", "message": "Schema registration failed"}})");
  EXPECT_EQ(
      RenderErrorReply({ErrorCode::kValidationError, "caf\xc3\xa9 \"q\""}),
      R"({"success": false, "error": {"code": "VALIDATION_ERROR", "message": "caf\u00e9 \"q\""}})");
}

TEST(KvReplyTest, SetReply) { EXPECT_EQ(RenderKvSetReply(), R"({"success": true, "data": {}})"); }

TEST(KvSqlDialectTest, PostgresUsesNumberedPlaceholders) {
  const Statement s = KvGetStatement({"p", "k"}, kNow, Dialect::kPostgres);
  EXPECT_EQ(s.sql,
            "SELECT value_json FROM plugin_kv_storage WHERE plugin_name = $1 AND \"key\" "
            "= $2 AND (expires_at IS NULL OR expires_at > $3)");
}

}  // namespace
}  // namespace roseyd::storage_api
