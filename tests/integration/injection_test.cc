// SQL only through bound parameters: injection strings in every text field of
// every subject are stored and answered verbatim, and the schema is untouched.
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kInjections = {
    "'); DROP TABLE user_stats; --",
    "Robert'); DROP TABLE recent_chat;--",
    "\" OR 1=1 --",
    "%' OR '1'='1",
    "x';ATTACH DATABASE '/tmp/r.db' AS pwned;--",  // fits Rosey's VARCHAR(50)
    "?1 :name $x @y",
    "NULL",
};

class InjectionTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    world_.StartNats();
    world_.StartRoseyd();
  }

  // `text` as an SQL expression built from hex, so the test's own queries
  // need no quoting (a blob never equals text in SQLite, hence the cast).
  std::string Text(const std::string& text) const {
    std::string hex;
    char byte[3];
    for (unsigned char c : text) {
      std::snprintf(byte, sizeof byte, "%02X", c);
      hex += byte;
    }
    if (GetParam() == StoreKind::kSqlite) return "CAST(X'" + hex + "' AS TEXT)";
    return "convert_from('\\x" + hex + "'::bytea, 'UTF8')";
  }

  int64_t Tables() {
    return world_.QueryInt(GetParam() == StoreKind::kSqlite
                               ? "SELECT COUNT(*) FROM sqlite_master"
                               : "SELECT COUNT(*) FROM pg_class WHERE relnamespace = "
                                 "'public'::regnamespace");
  }

  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, InjectionTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(InjectionTest, EveryTextFieldIsStoredVerbatim) {
  const int64_t tables = Tables();
  for (const std::string& s : kInjections) {
    world_.Publish("rosey.db.user.joined", json{{"username", s}}.dump());
    world_.Publish("rosey.db.message.log", json{{"username", s}, {"message", s}}.dump());
    world_.Publish("rosey.db.status.update",
                   json{{"status_data", {{"bot_name", s}, {"current_media_title", s}}}}.dump());
    world_.Publish("rosey.db.action.pm_command", json{{"username", s},
                                                      {"command", s},
                                                      {"args", s},
                                                      {"result", s},
                                                      {"error", s}}
                                                     .dump());
    world_.Publish("rosey.db.user.left", json{{"username", s}}.dump());
  }
  const json chat = json::parse(
      world_.Request("rosey.db.stats.recent_chat.get", R"({"limit":100})"));  // after all commits
  ASSERT_EQ(chat.size(), kInjections.size());
  for (size_t i = 0; i < kInjections.size(); ++i) {
    const std::string& s = kInjections[i];
    SCOPED_TRACE(s);
    EXPECT_EQ(chat[i]["username"], s);
    EXPECT_EQ(chat[i]["message"], s);
    const json stats =
        json::parse(world_.Request("rosey.db.query.user_stats", json{{"username", s}}.dump()));
    EXPECT_EQ(stats["found"], true);
    EXPECT_EQ(stats["username"], s);
    EXPECT_EQ(stats["total_chat_lines"], 1);
    const std::string details =
        "cmd=" + s + ", args: " + s + ", result: " + s + ", error: " + s;
    EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_actions WHERE username = " + Text(s) +
                              " AND details = " + Text(details)),
              1);
  }
  const std::string& last = kInjections.back();
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM current_status WHERE bot_name = " +
                            Text(last) + " AND current_media_title = " + Text(last)),
            1);
  EXPECT_EQ(Tables(), tables);
  if (GetParam() == StoreKind::kSqlite) {
    EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM pragma_database_list"), 1);  // nothing attached
  }
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_stats"),
            static_cast<int64_t>(kInjections.size()));
}

TEST_P(InjectionTest, StatusKeysNeverReachTheSql) {
  // Column names cannot be bound, so only whitelisted names are ever spliced
  // into the UPDATE; this key is dropped and counted, the real one applies.
  world_.Publish("rosey.db.status.update",
                 R"({"status_data":{"bot_name = 'x', bot_rank":1,"bot_name":"ok"}})");
  world_.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM current_status WHERE bot_name = 'ok'"), 1);
  EXPECT_EQ(world_.Metric("roseyd_status_keys_ignored_total"), 1);
}

}  // namespace
}  // namespace roseyd::testing
