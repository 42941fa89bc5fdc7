// The plugin storage API against hostile input and between plugins, with
// the real roseyd binary and a real nats-server: filters nested 10,000 deep
// or with 100,000 values refused in milliseconds (timed, not asserted),
// service.storage_plugins, the NATS permissions of docs/PROTOCOL.md confining a
// plugin to its own subjects, and metric labels that no client chooses.

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bus/connection.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class StorageGuardTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void Start(const std::vector<std::string>& args = {}) {
    world_.StartNats();
    world_.StartRoseyd(args);
  }

  json Ask(const std::string& subject, const std::string& payload) {
    return json::parse(world_.Request(subject, payload, milliseconds(5000)));
  }

  // The reply to `payload` and how long it took, printed as a figure.
  json Timed(const std::string& what, const std::string& subject, const std::string& payload) {
    const auto started = std::chrono::steady_clock::now();
    json reply = Ask(subject, payload);
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    std::printf("[figures] %s (%zu bytes): %s in %.2f ms\n", what.c_str(), payload.size(),
                reply.dump().substr(0, 120).c_str(), ms);
    return reply;
  }

  void Register() {
    ASSERT_EQ(Ask("rosey.db.row.quote-db.schema.register",
                  R"({"table":"quotes","schema":{"fields":[{"name":"n","type":"integer"}]}})"),
              json::parse(R"({"success":true})"));
  }

  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, StorageGuardTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(StorageGuardTest, HostileFiltersAreRefusedAtOnce) {
  Start();
  Register();
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += R"({"$not":)";
  deep += R"({"n":1})";
  for (int i = 0; i < 10000; ++i) deep += "}";
  const json nested = Timed("filter nested 10,000 deep", "rosey.db.row.quote-db.search",
                            R"({"table":"quotes","filters":)" + deep + "}");
  EXPECT_EQ(nested["error"]["code"], "VALIDATION_ERROR") << nested;

  std::string in = R"({"table":"quotes","filters":{"n":{"$in":[)";
  for (int i = 0; i < 100000; ++i) in += (i ? "," : "") + std::to_string(i);
  in += "]}}}";
  const json values = Timed("$in of 100,000 values", "rosey.db.row.quote-db.search", in);
  EXPECT_EQ(values["error"]["code"], "VALIDATION_ERROR") << values;

  std::string wide = R"({"table":"quotes","filters":{"$or":[)";
  for (int i = 0; i < 20000; ++i) wide += std::string(i ? "," : "") + R"({"n":)" + std::to_string(i) + "}";
  wide += "]}}";
  const json many = Timed("$or of 20,000 conditions", "rosey.db.row.quote-db.search", wide);
  EXPECT_EQ(many["error"]["code"], "VALIDATION_ERROR") << many;

  // Within the JSON parser's depth but past the filter's.
  std::string forty;
  for (int i = 0; i < 40; ++i) forty += R"({"$and":[)";
  forty += R"({"n":1})";
  for (int i = 0; i < 40; ++i) forty += "]}";
  const json logical = Timed("filter nested 40 deep", "rosey.db.row.quote-db.search",
                             R"({"table":"quotes","filters":)" + forty + "}");
  EXPECT_EQ(logical["error"]["code"], "VALIDATION_ERROR") << logical;

  // And the service is still there for the next one.
  EXPECT_EQ(Ask("rosey.db.row.quote-db.search", R"({"table":"quotes"})")["success"], true);
}

TEST_P(StorageGuardTest, StoragePluginsRestrictsThePluginNames) {
  Start({"--set", "service.storage_plugins=quote-db,trivia"});
  Register();
  const json refused = Ask("rosey.db.row.other.schema.register",
                           R"({"table":"t","schema":{"fields":[{"name":"n","type":"integer"}]}})");
  EXPECT_EQ(refused["error"]["code"], "VALIDATION_ERROR") << refused;
  EXPECT_EQ(Ask("rosey.db.row.other.search", R"({"table":"t"})")["error"]["code"],
            "VALIDATION_ERROR");
  EXPECT_EQ(Ask("rosey.db.migrate.other.apply", "{}")["error"]["code"], "VALIDATION_ERROR");
  EXPECT_EQ(Ask("rosey.db.kv.set", R"({"plugin_name":"other","key":"k","value":1})")
                ["error"]["code"],
            "VALIDATION_ERROR");
  EXPECT_EQ(Ask("rosey.db.kv.set", R"({"plugin_name":"trivia","key":"k","value":1})")["success"],
            true);
  EXPECT_FALSE(world_.TableExists("other_t"));
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage"), 1);
}

TEST_P(StorageGuardTest, MetricsCountByFamilyOperationAndCodeOnly) {
  Start();
  Register();
  Ask("rosey.db.kv.set", R"({"plugin_name":"secret-plugin","key":"secret-key","value":1})");
  Ask("rosey.db.kv.get", R"({"plugin_name":"secret-plugin","key":"secret-key"})");
  Ask("rosey.db.kv.get", R"({"plugin_name":"secret-plugin"})");
  Ask("rosey.db.row.quote-db.search", R"({"table":"secret_table"})");
  EXPECT_EQ(world_.Metric(R"(roseyd_storage_requests_total{family="kv",operation="set"})"), 1);
  EXPECT_EQ(world_.Metric(R"(roseyd_storage_requests_total{family="kv",operation="get"})"), 2);
  EXPECT_EQ(world_.Metric(R"(roseyd_storage_errors_total{code="MISSING_FIELD",family="kv",)"
                          R"(operation="get"})"),
            1);
  EXPECT_EQ(world_.Metric(R"(roseyd_storage_errors_total{code="VALIDATION_ERROR",family="row",)"
                          R"(operation="search"})"),
            1);
  EXPECT_GT(world_.Metric(R"(roseyd_storage_request_duration_seconds_count{family="row",)"
                          R"(operation="schema.register"})"),
            0);
  const std::string scrape = world_.Scrape();
  for (const char* chosen : {"secret-plugin", "secret-key", "secret_table", "quote-db"}) {
    EXPECT_EQ(scrape.find(chosen), std::string::npos) << chosen;
  }
}

// The NATS configuration docs/PROTOCOL.md shows: nats-server accepts it, and a plugin's
// user reaches its own subjects only.
TEST(StoragePermissionsTest, APluginIsConfinedToItsOwnSubjects) {
  const std::string conf = std::string(ROSEYD_SOURCE_DIR) + "/config/nats-plugin-permissions.conf";
  const std::string text = ReadFile(conf);
  ASSERT_FALSE(text.empty());
  const std::string readme = ReadFile(std::string(ROSEYD_SOURCE_DIR) + "/docs/PROTOCOL.md");
  EXPECT_NE(readme.find(text.substr(text.find("authorization {"))), std::string::npos)
      << "docs/PROTOCOL.md shows config/nats-plugin-permissions.conf as it is";
  const std::string check = "nats-server -t -c " + conf + " >/dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(check.c_str())), 0) << check;

  RoseydWorld world;
  world.StartNats({"-c", conf});
  world.StartRoseyd({"--set", "nats.auth.user=roseyd", "--set",
                     "nats.auth.password=change-me-roseyd"});
  bus::ConnectionOptions options;
  options.url = world.nats_url();
  options.user = "quote-db";
  options.password = "change-me-quote-db";
  options.send_asap = true;
  options.retry_on_failed_connect = false;
  bus::Connection plugin(options);
  std::string reply;
  ASSERT_TRUE(plugin
                  .Request("rosey.db.row.quote-db.schema.register",
                           R"({"table":"q","schema":{"fields":[{"name":"n","type":"integer"}]}})",
                           milliseconds(5000), &reply)
                  .ok());
  EXPECT_EQ(json::parse(reply), json::parse(R"({"success":true})"));
  // Another plugin's table: the server refuses the publish, nobody answers.
  EXPECT_FALSE(plugin
                   .Request("rosey.db.row.trivia.schema.register",
                            R"({"table":"q","schema":{"fields":[{"name":"n","type":"integer"}]}})",
                            milliseconds(500), &reply)
                   .ok());
  EXPECT_FALSE(plugin.Request("rosey.db.kv.get", R"({"plugin_name":"trivia","key":"k"})",
                              milliseconds(500), &reply)
                   .ok());
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'trivia_q'"), 0);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'quote-db_q'"), 1);
}

}  // namespace
}  // namespace roseyd::testing
