// Every subject of ROSEY_PROTOCOL.md over a real NATS server, checked in the
// store and reply by reply, on each store: the same test for SQLite and for
// PostgreSQL.

#include <atomic>
#include <ctime>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bus/subscription.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

class ProtocolTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    world_.StartNats();
    world_.StartRoseyd();
  }

  // A request on any subject waits for every earlier event's commit, so
  // after it the file shows everything published before.
  void Sync() { world_.Request("rosey.db.query.channel_stats", "{}"); }

  json Ask(const std::string& subject, const std::string& payload) {
    return json::parse(world_.Request(subject, payload));
  }

  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, ProtocolTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(ProtocolTest, UserJoinedAndLeftTrackSessions) {
  world_.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  Sync();
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_stats WHERE username='alice' AND "
                            "current_session_start IS NOT NULL AND first_seen = last_seen"),
            1);
  world_.Publish("rosey.db.user.left", R"({"username":"alice"})");
  Sync();
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_stats WHERE username='alice' AND "
                            "current_session_start IS NULL AND total_time_connected >= 0"),
            1);
}

TEST_P(ProtocolTest, MessageLogCountsLinesAndKeepsRecentChat) {
  world_.Publish("rosey.db.user.joined", R"({"username":"bob"})");
  world_.Publish("rosey.db.message.log", R"({"username":"bob","message":"hi"})");
  world_.Publish("rosey.db.message.log", R"({"username":"bob","message":"there"})");
  world_.Publish("rosey.db.message.log", R"({"username":"SERVER","message":"notice"})");
  Sync();
  EXPECT_EQ(world_.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username='bob'"), 2);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM recent_chat"), 2);  // server excluded
  const json chat = Ask("rosey.db.stats.recent_chat.get", R"({"limit":10})");
  ASSERT_EQ(chat.size(), 2u);
  EXPECT_EQ(chat[0]["message"], "hi");
  EXPECT_EQ(chat[1]["message"], "there");
  EXPECT_EQ(chat[1]["username"], "bob");
  EXPECT_TRUE(chat[1]["timestamp"].is_number_integer());
}

TEST_P(ProtocolTest, StatsUserCountAndHighWater) {
  world_.Publish("rosey.db.stats.user_count", R"({"chat_count":4,"connected_count":9})");
  world_.Publish("rosey.db.stats.high_water", R"({"chat_count":4,"connected_count":9})");
  world_.Publish("rosey.db.stats.high_water", R"({"chat_count":3,"connected_count":null})");
  Sync();
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_count_history WHERE chat_users=4 AND "
                            "connected_users=9"),
            1);
  const json stats = Ask("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(stats["high_water_mark"]["users"], 4);
  EXPECT_EQ(stats["high_water_connected"]["users"], 9);
  EXPECT_TRUE(stats["high_water_connected"]["timestamp"].is_number_integer());
  EXPECT_EQ(stats["success"], true);
}

TEST_P(ProtocolTest, StatusUpdateWritesWhitelistedColumns) {
  world_.Publish("rosey.db.status.update",
                 R"({"status_data":{"bot_name":"Rosey","bot_rank":3.0,"bot_connected":true,
                     "current_chat_users":12,"not_a_column":"x"}})");
  Sync();
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM current_status WHERE id=1 AND bot_name='Rosey' "
                            "AND bot_rank=3.0 AND CAST(bot_connected AS INTEGER)=1 AND "
                            "current_chat_users=12 AND "
                            "last_updated IS NOT NULL"),
            1);
}

TEST_P(ProtocolTest, OutboundQueuedByTheWebUiIsServedAndMarked) {
  world_.QueryInt("SELECT 1");  // the schema exists once roseyd is ready
  // The web UI inserts straight into the store, behind roseyd's back.
  const std::string now = std::to_string(std::time(nullptr));
  world_.Exec("INSERT INTO outbound_messages(timestamp, message) VALUES (" + now + ", 'a'),(" +
              now + ", 'b')");
  json pending = Ask("rosey.db.messages.outbound.get", R"({"limit":20,"max_retries":3})");
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0]["message"], "a");
  EXPECT_EQ(pending[0]["retry_count"], 0);
  EXPECT_TRUE(pending[0]["last_error"].is_null());
  world_.Publish("rosey.db.messages.outbound.mark_sent",
                 json{{"message_id", pending[0]["id"]}}.dump());
  world_.Publish("rosey.db.messages.outbound.mark_failed",
                 json{{"message_id", pending[1]["id"]}, {"error", "muted"},
                      {"is_permanent", false}}.dump());
  pending = Ask("rosey.db.messages.outbound.get", R"({"limit":20,"max_retries":3})");
  EXPECT_EQ(pending.size(), 0u);  // one sent, one backing off for 2 minutes
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM outbound_messages WHERE "
                            "CAST(sent AS INTEGER)=1 AND sent_timestamp IS NOT NULL"),
            1);
  // Rosey's models name the column error_message; roseyd's SQLite file, as
  // the original did, last_error.
  const std::string error_column =
      GetParam() == StoreKind::kSqlite ? "last_error" : "error_message";
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM outbound_messages WHERE retry_count=1 AND " +
                            error_column + "='muted' AND CAST(sent AS INTEGER)=0"),
            1);
}

TEST_P(ProtocolTest, PmCommandIsAudited) {
  world_.Publish("rosey.db.action.pm_command",
                 R"({"timestamp":1700000000.5,"username":"mod","command":"skip","args":"",
                     "result":"pending","error":null})");
  world_.Publish("rosey.db.action.pm_command",
                 R"({"username":"mod","command":"skip","args":"x","result":"error",
                     "error":"denied"})");
  Sync();
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_actions WHERE username='mod' AND "
                            "action_type='pm_command' AND timestamp=1700000000 AND "
                            "details='cmd=skip, result: pending'"),
            1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_actions WHERE "
                            "details='cmd=skip, args: x, result: error, error: denied'"),
            1);
}

TEST_P(ProtocolTest, UserStatsRepliesFieldByField) {
  world_.Publish("rosey.db.user.joined", R"({"username":"carol"})");
  world_.Publish("rosey.db.message.log", R"({"username":"carol","message":"x"})");
  const json found = Ask("rosey.db.query.user_stats", R"({"username":"carol"})");
  EXPECT_EQ(found["username"], "carol");
  EXPECT_EQ(found["total_chat_lines"], 1);
  EXPECT_EQ(found["total_time_connected"], 0);
  EXPECT_EQ(found["first_seen"], found["last_seen"]);
  EXPECT_TRUE(found["current_session_start"].is_number_integer());
  EXPECT_EQ(found["success"], true);
  EXPECT_EQ(found["found"], true);
  EXPECT_EQ(Ask("rosey.db.query.user_stats", R"({"username":"nobody"})"),
            json::parse(R"({"username":"nobody","success":true,"found":false,
                            "message":"No statistics found for user 'nobody'"})"));
  EXPECT_EQ(Ask("rosey.db.query.user_stats", "{bad"),
            json::parse(R"({"success":false,"error":"Invalid request format"})"));
  EXPECT_EQ(Ask("rosey.db.query.user_stats", "{}"),
            json::parse(R"({"success":false,"error":"Missing username in request"})"));
}

// A request sees every event that reached roseyd before it, whatever subject
// it came on: no sleeps, no retries, for many rounds.
TEST_P(ProtocolTest, ReadYourWritesAcrossSubjects) {
  world_.Publish("rosey.db.user.joined", R"({"username":"ryw"})");
  int64_t expected = 0;
  for (int round = 0; round < 50; ++round) {
    const int burst = 1 + round * 7;
    for (int i = 0; i < burst; ++i) {
      world_.Publish("rosey.db.message.log", R"({"username":"ryw","message":"m"})");
    }
    expected += burst;
    const json stats = Ask("rosey.db.query.user_stats", R"({"username":"ryw"})");
    ASSERT_EQ(stats["total_chat_lines"], expected) << "round " << round;
  }
}

TEST_P(ProtocolTest, QueueGroupSharesEventsBetweenInstances) {
  // A second subscriber in the same queue group: each event is taken by one
  // member only, so two roseyd instances never double-write.
  std::atomic<int> stolen{0};
  auto rival = world_.client().Subscribe("rosey.db.>", "rosey-db",
                                         [&](const bus::Message&) { stolen++; });
  for (int i = 0; i < 200; ++i) {
    world_.Publish("rosey.db.stats.user_count", R"({"chat_count":1,"connected_count":1})");
  }
  ASSERT_TRUE(world_.client().Flush(std::chrono::milliseconds(2000)).ok());
  ASSERT_TRUE(RoseydWorld::WaitFor([&] {
    return stolen + world_.QueryInt("SELECT COUNT(*) FROM user_count_history") == 200;
  }));
  EXPECT_GT(stolen.load(), 0);
  EXPECT_LT(stolen.load(), 200);
}

}  // namespace
}  // namespace roseyd::testing
