// rosey.db.kv.* against the real roseyd binary, a real nats-server and each
// store (a SQLite file, a PostgreSQL database): every subject's replies as
// ROSEY_STORAGE_API.md §1 gives them, success and error paths, TTLs, and
// writes sent without a reply subject.

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

class StorageKvTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    world_.StartNats();
    world_.StartRoseyd();
  }

  json Ask(const std::string& op, const json& body) {
    return json::parse(world_.Request("rosey.db.kv." + op, body.dump()));
  }
  json AskRaw(const std::string& op, const std::string& payload) {
    return json::parse(world_.Request("rosey.db.kv." + op, payload));
  }
  static json Error(const std::string& code, const std::string& message) {
    return json{{"success", false}, {"error", {{"code", code}, {"message", message}}}};
  }

  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, StorageKvTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(StorageKvTest, SetGetDeleteRoundTripValuesExactly) {
  const json values[] = {json(9007199254740993LL),  // 2^53 + 1
                         json::parse(R"({"a":[1,{"b":null}],"c":"\"q\"\n\u00e9"})"),
                         json(nullptr), json(false), json("text"), json(-1.5)};
  for (const json& value : values) {
    EXPECT_EQ(Ask("set", {{"plugin_name", "p"}, {"key", "k"}, {"value", value}}),
              json::parse(R"({"success":true,"data":{}})"));
    EXPECT_EQ(Ask("get", {{"plugin_name", "p"}, {"key", "k"}}),
              (json{{"success", true}, {"data", {{"exists", true}, {"value", value}}}}))
        << value;
  }
  // The stored text is Python's json.dumps: ", " and ": " separators, ASCII.
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage WHERE plugin_name = 'p' "
                            "AND key = 'k' AND value_json = '-1.5' AND expires_at IS NULL"),
            1);
  Ask("set", {{"plugin_name", "p"}, {"key", "u"}, {"value", {{"x", "\u00e9"}}}});
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage WHERE key = 'u' AND "
                            "value_json = '{\"x\": \"\\u00e9\"}'"),
            1);
  EXPECT_EQ(Ask("get", {{"plugin_name", "other"}, {"key", "k"}}),
            json::parse(R"({"success":true,"data":{"exists":false}})"));
  EXPECT_EQ(Ask("delete", {{"plugin_name", "p"}, {"key", "k"}}),
            json::parse(R"({"success":true,"data":{"deleted":true}})"));
  EXPECT_EQ(Ask("delete", {{"plugin_name", "p"}, {"key", "k"}}),
            json::parse(R"({"success":true,"data":{"deleted":false}})"));
  EXPECT_EQ(Ask("get", {{"plugin_name", "p"}, {"key", "k"}}),
            json::parse(R"({"success":true,"data":{"exists":false}})"));
}

TEST_P(StorageKvTest, SetKeepsCreatedAtAndClearsAnEarlierTtl) {
  Ask("set", {{"plugin_name", "p"}, {"key", "k"}, {"value", 1}, {"ttl_seconds", 600}});
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage WHERE expires_at >= "
                            "created_at + 599"),
            1);
  const int64_t created = world_.QueryInt("SELECT created_at FROM plugin_kv_storage");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  Ask("set", {{"plugin_name", "p"}, {"key", "k"}, {"value", 2}});
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage WHERE expires_at IS NULL AND "
                            "updated_at > created_at"),
            1);
  EXPECT_EQ(world_.QueryInt("SELECT created_at FROM plugin_kv_storage"), created);
  Ask("set", {{"plugin_name", "p"}, {"key", "zero"}, {"value", 1}, {"ttl_seconds", 0}});
  Ask("set", {{"plugin_name", "p"}, {"key", "null"}, {"value", 1}, {"ttl_seconds", nullptr}});
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage WHERE expires_at IS NULL"),
            3);
}

TEST_P(StorageKvTest, AnExpiredKeyIsGoneAtOnce) {
  Ask("set", {{"plugin_name", "p"}, {"key", "short"}, {"value", 1}, {"ttl_seconds", 1}});
  Ask("set", {{"plugin_name", "p"}, {"key", "long"}, {"value", 1}, {"ttl_seconds", 3600}});
  EXPECT_EQ(Ask("get", {{"plugin_name", "p"}, {"key", "short"}})["data"]["exists"], true);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(Ask("get", {{"plugin_name", "p"}, {"key", "short"}}),
            json::parse(R"({"success":true,"data":{"exists":false}})"));
  EXPECT_EQ(Ask("list", {{"plugin_name", "p"}}),
            json::parse(R"({"success":true,"data":{"keys":["long"],"count":1,
                            "truncated":false}})"));
  // Not purged yet (every store.kv_purge_interval): delete still finds it.
  EXPECT_EQ(Ask("delete", {{"plugin_name", "p"}, {"key", "short"}})["data"]["deleted"], true);
}

TEST_P(StorageKvTest, ListUsesALiteralPrefixInByteOrderWithALimit) {
  for (const char* key : {"a_1", "a2", "B", "a", "ab"}) {
    Ask("set", {{"plugin_name", "p"}, {"key", key}, {"value", true}});
  }
  Ask("set", {{"plugin_name", "q"}, {"key", "a3"}, {"value", true}});
  EXPECT_EQ(Ask("list", {{"plugin_name", "p"}})["data"]["keys"],
            json::parse(R"(["B","a","a2","a_1","ab"])"));
  EXPECT_EQ(Ask("list", {{"plugin_name", "p"}, {"prefix", "a_"}})["data"],
            json::parse(R"({"keys":["a_1"],"count":1,"truncated":false})"));
  EXPECT_EQ(Ask("list", {{"plugin_name", "p"}, {"prefix", "A"}})["data"]["count"], 0);
  EXPECT_EQ(Ask("list", {{"plugin_name", "p"}, {"prefix", "a"}, {"limit", 2}})["data"],
            json::parse(R"({"keys":["a","a2"],"count":2,"truncated":true})"));
  EXPECT_EQ(Ask("list", {{"plugin_name", "p"}, {"limit", 0}})["data"],
            json::parse(R"({"keys":[],"count":0,"truncated":true})"));
}

TEST_P(StorageKvTest, RefusesInTheOriginalsOrderWithItsMessages) {
  EXPECT_EQ(AskRaw("set", "{bad")["error"]["code"], "INVALID_JSON");
  EXPECT_EQ(std::string(AskRaw("get", "")["error"]["message"]).rfind("Invalid JSON: ", 0), 0u);
  EXPECT_EQ(AskRaw("set", "[1]")["success"], false);
  EXPECT_EQ(Ask("set", {{"key", "k"}, {"value", 1}}),
            Error("MISSING_FIELD", "Required field 'plugin_name' is missing"));
  EXPECT_EQ(Ask("set", {{"plugin_name", ""}, {"value", 1}}),
            Error("MISSING_FIELD", "Required field 'plugin_name' is missing"));
  EXPECT_EQ(Ask("set", {{"plugin_name", "p"}, {"key", 0}, {"value", 1}}),
            Error("MISSING_FIELD", "Required field 'key' is missing"));
  EXPECT_EQ(Ask("set", {{"plugin_name", "p"}, {"key", "k"}}),
            Error("MISSING_FIELD", "Required field 'value' is missing"));
  EXPECT_EQ(Ask("get", {{"plugin_name", "p"}}),
            Error("MISSING_FIELD", "Required field 'key' is missing"));
  EXPECT_EQ(Ask("delete", {{"key", "k"}}),
            Error("MISSING_FIELD", "Required field 'plugin_name' is missing"));
  EXPECT_EQ(Ask("list", json::object()),
            Error("MISSING_FIELD", "Required field 'plugin_name' is missing"));
  EXPECT_EQ(Ask("set", {{"plugin_name", "p"}, {"key", "k"}, {"value", 1}, {"ttl_seconds", "x"}})
                ["error"]["code"],
            "VALIDATION_ERROR");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage"), 0);
}

// 65,534 ASCII characters are 65,536 bytes once quoted: stored; one more
// is refused with the size json.dumps gives it.
TEST_P(StorageKvTest, TheSizeLimitIsPythonsJsonDumpsLength) {
  EXPECT_EQ(Ask("set", {{"plugin_name", "p"}, {"key", "big"}, {"value", std::string(65534, 'x')}})
                ["success"],
            true);
  EXPECT_EQ(Ask("set", {{"plugin_name", "p"}, {"key", "big"}, {"value", std::string(65535, 'x')}}),
            Error("VALUE_TOO_LARGE", "Value size (65537 bytes) exceeds 64KB limit (65536 bytes)"));
  EXPECT_EQ(world_.QueryInt("SELECT length(value_json) FROM plugin_kv_storage"), 65536);
}

TEST_P(StorageKvTest, AWriteWithoutAReplySubjectIsExecuted) {
  world_.Publish("rosey.db.kv.set", R"({"plugin_name":"p","key":"quiet","value":7})");
  EXPECT_EQ(Ask("get", {{"plugin_name", "p"}, {"key", "quiet"}}),
            json::parse(R"({"success":true,"data":{"exists":true,"value":7}})"));
  world_.Publish("rosey.db.kv.delete", R"({"plugin_name":"p","key":"quiet"})");
  EXPECT_EQ(Ask("get", {{"plugin_name", "p"}, {"key", "quiet"}})["data"]["exists"], false);
}

// A get right after a set from the same connection, not waiting for the
// set's reply, sees it: the set is applied in arrival order, the get waits
// for it. No sleeps, no retries.
TEST_P(StorageKvTest, ReadYourWritesWithoutWaitingForTheSetsReply) {
  for (int i = 0; i < 200; ++i) {
    world_.Publish("rosey.db.kv.set",
                   json{{"plugin_name", "p"}, {"key", "n"}, {"value", i}}.dump());
    ASSERT_EQ(Ask("get", {{"plugin_name", "p"}, {"key", "n"}})["data"]["value"], i)
        << "round " << i;
  }
}

}  // namespace
}  // namespace roseyd::testing
