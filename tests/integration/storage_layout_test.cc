// A database file laid out like Rosey's newest models (Base.metadata.
// create_all() of common/models.py at 882c482: error_message instead of
// last_error, api_tokens without `revoked`, no seeded rows, CHECKs), served
// by the real roseyd binary: every classic subject and the plugin storage
// subjects work on it, and it keeps its layout.

#include <sqlite3.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

class StorageLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(std::string(ROSEYD_SOURCE_DIR) +
                     "/tests/fixtures/rosey-head-create_all.sql");
    std::stringstream schema;
    schema << in.rdbuf();
    ASSERT_FALSE(schema.str().empty());
    Exec(schema.str() +
         "INSERT INTO outbound_messages (id, timestamp, message) VALUES "
         "(1, strftime('%s', 'now'), 'a'), (2, strftime('%s', 'now'), 'b');");
    world_.StartNats();
    world_.StartRoseyd();
  }

  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(world_.db_path().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  json Ask(const std::string& subject, const std::string& payload) {
    return json::parse(world_.Request(subject, payload));
  }
  void Sync() { Ask("rosey.db.query.channel_stats", "{}"); }

  RoseydWorld world_;
};

TEST_F(StorageLayoutTest, EveryClassicEventLandsInItsColumns) {
  world_.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  world_.Publish("rosey.db.message.log", R"({"username":"alice","message":"hi"})");
  world_.Publish("rosey.db.user.left", R"({"username":"alice"})");
  world_.Publish("rosey.db.stats.user_count", R"({"chat_count":3,"connected_count":5})");
  world_.Publish("rosey.db.stats.user_count", R"({"chat_count":5,"connected_count":3})");
  world_.Publish("rosey.db.stats.high_water", R"({"chat_count":4,"connected_count":9})");
  world_.Publish("rosey.db.status.update",
                 R"({"status_data":{"bot_name":"Rosey","bot_rank":3,"bot_connected":true}})");
  world_.Publish("rosey.db.action.pm_command",
                 R"({"username":"mod","command":"skip","args":"","result":"ok","error":null})");
  world_.Publish("rosey.db.messages.outbound.mark_sent", R"({"message_id":1})");
  world_.Publish("rosey.db.messages.outbound.mark_failed",
                 R"({"message_id":2,"error":"muted","is_permanent":false})");
  Sync();
  EXPECT_EQ(world_.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username = 'alice' AND "
                            "current_session_start IS NULL"),
            1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM recent_chat WHERE message = 'hi'"), 1);
  // The CHECK (connected_users >= chat_users) refuses the second count.
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_count_history"), 1);
  EXPECT_EQ(world_.QueryInt("SELECT max_users FROM channel_stats WHERE id = 1"), 4);
  EXPECT_EQ(world_.QueryInt("SELECT max_connected FROM channel_stats WHERE id = 1"), 9);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM current_status WHERE bot_name = 'Rosey' AND "
                            "bot_rank = 3 AND bot_connected = 1 AND status = 'offline'"),
            1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_actions WHERE username = 'mod'"), 1);
  EXPECT_EQ(world_.QueryInt("SELECT sent FROM outbound_messages WHERE id = 1"), 1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM outbound_messages WHERE id = 2 AND "
                            "error_message = 'muted' AND retry_count = 1"),
            1);
  // Its layout is kept: Rosey reads error_message, and no last_error appeared.
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM pragma_table_info('outbound_messages') WHERE "
                            "name = 'last_error'"),
            0);
}

TEST_F(StorageLayoutTest, EveryClassicQueryAnswers) {
  world_.Publish("rosey.db.user.joined", R"({"username":"bob"})");
  world_.Publish("rosey.db.message.log", R"({"username":"bob","message":"hello"})");
  world_.Publish("rosey.db.messages.outbound.mark_failed",
                 R"({"message_id":2,"error":"muted","is_permanent":false})");
  const json pending = Ask("rosey.db.messages.outbound.get", R"({"limit":10})");
  ASSERT_EQ(pending.size(), 1u) << pending;  // 2 backs off for its retry
  EXPECT_EQ(pending[0]["message"], "a");
  EXPECT_TRUE(pending[0]["last_error"].is_null());
  const json chat = Ask("rosey.db.stats.recent_chat.get", R"({"limit":5})");
  ASSERT_EQ(chat.size(), 1u);
  EXPECT_EQ(chat[0]["message"], "hello");
  const json stats = Ask("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(stats["success"], true);
  EXPECT_EQ(stats["total_users_seen"], 1);
  EXPECT_EQ(stats["top_chatters"][0]["username"], "bob");
  const json user = Ask("rosey.db.query.user_stats", R"({"username":"bob"})");
  EXPECT_EQ(user["found"], true);
  EXPECT_EQ(user["total_chat_lines"], 1);
  // The error column is error_message in this layout; the reply keeps the
  // protocol's name.
  Exec("UPDATE outbound_messages SET timestamp = 0 WHERE id = 2");
  const json retry = Ask("rosey.db.messages.outbound.get", R"({"limit":10})");
  ASSERT_EQ(retry.size(), 2u) << retry;
  EXPECT_EQ(retry[0]["last_error"], "muted");
}

TEST_F(StorageLayoutTest, ThePluginStorageSubjectsUseItsTables) {
  EXPECT_EQ(Ask("rosey.db.kv.set", R"({"plugin_name":"p","key":"k","value":[1]})")["success"],
            true);
  EXPECT_EQ(Ask("rosey.db.kv.get", R"({"plugin_name":"p","key":"k"})")["data"]["value"],
            json::parse("[1]"));
  EXPECT_EQ(Ask("rosey.db.row.trivia.schema.register",
                R"({"table":"games","schema":{"fields":[{"name":"score","type":"integer"}]}})"),
            json::parse(R"({"success":true})"));
  EXPECT_EQ(Ask("rosey.db.row.trivia.insert", R"({"table":"games","data":{"score":3}})"),
            json::parse(R"({"success":true,"id":1,"created":true})"));
  EXPECT_EQ(Ask("rosey.db.row.trivia.search", R"({"table":"games"})")["count"], 1);
  EXPECT_EQ(Ask("rosey.db.migrate.trivia.status", "")["current_version"], 0);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage"), 1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_table_schemas"), 1);
}

}  // namespace
}  // namespace roseyd::testing
