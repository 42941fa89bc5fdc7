// The plugin storage API in durable mode (service.durability: jetstream),
// with the real roseyd binary and a JetStream-enabled nats-server: the
// events come from the stream while requests, plugin writes included, come
// on core subscriptions, one per subject. A read right after a write from
// the same connection still sees it, and the stream never captures a
// write (it would answer the requester with a PubAck). On each store.

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

class StorageDurableTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    world_.StartNats({}, /*jetstream=*/true);
    world_.StartRoseyd({"--set", "service.durability=jetstream"});
  }

  json Ask(const std::string& subject, const json& body) {
    return json::parse(world_.Request(subject, body.dump()));
  }

  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, StorageDurableTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(StorageDurableTest, AGetRightAfterASetSeesIt) {
  for (int i = 0; i < 200; ++i) {
    world_.Publish("rosey.db.kv.set",
                   json{{"plugin_name", "p"}, {"key", "n"}, {"value", i}}.dump());
    ASSERT_EQ(Ask("rosey.db.kv.get", {{"plugin_name", "p"}, {"key", "n"}})["data"]["value"], i)
        << "round " << i;
  }
}

TEST_P(StorageDurableTest, ASearchRightAfterAnInsertSeesIt) {
  ASSERT_EQ(Ask("rosey.db.row.p.schema.register",
                json::parse(R"({"table":"t","schema":{"fields":[{"name":"n","type":"integer"}]}})")),
            json::parse(R"({"success":true})"));
  for (int i = 1; i <= 100; ++i) {
    world_.Publish("rosey.db.row.p.insert", json{{"table", "t"}, {"data", {{"n", i}}}}.dump());
    ASSERT_EQ(Ask("rosey.db.row.p.search", {{"table", "t"}, {"limit", 1000}})["count"], i)
        << "round " << i;
  }
}

// Events through the stream and plugin writes on core NATS meet in one
// writer: a read sees both.
TEST_P(StorageDurableTest, ReadsSeeTheStreamsEventsAndTheWritesAlike) {
  world_.Publish("rosey.db.user.joined", R"({"username":"ann"})");
  world_.Publish("rosey.db.kv.set", R"({"plugin_name":"p","key":"ann","value":"seen"})");
  EXPECT_EQ(Ask("rosey.db.query.user_stats", {{"username", "ann"}})["found"], true);
  EXPECT_EQ(Ask("rosey.db.kv.get", {{"plugin_name", "p"}, {"key", "ann"}})["data"]["value"],
            "seen");
}

TEST_P(StorageDurableTest, TheStreamCapturesNoWriteSubject) {
  EXPECT_EQ(Ask("rosey.db.kv.set", {{"plugin_name", "p"}, {"key", "k"}, {"value", 1}}),
            json::parse(R"({"success":true,"data":{}})"));  // not a PubAck
  const json info = json::parse(world_.Request("$JS.API.STREAM.INFO.ROSEY_DB", ""));
  ASSERT_TRUE(info.contains("config")) << info;
  for (const json& subject : info["config"]["subjects"]) {
    const std::string s = subject;
    for (const char* family : {"rosey.db.kv.", "rosey.db.row.", "rosey.db.migrate.",
                               "rosey.db.query.", "rosey.db.stats.recent_chat"}) {
      EXPECT_NE(s.rfind(family, 0), 0u) << s;
    }
    EXPECT_EQ(s.find('>'), std::string::npos) << s;
  }
  EXPECT_EQ(info["state"]["messages"], 0);
}

}  // namespace
}  // namespace roseyd::testing
