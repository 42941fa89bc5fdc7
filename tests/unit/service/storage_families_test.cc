// The plugin storage families (KvRequests, RowRequests, MigrateRequests)
// over a StorageContext, each request found in a RequestRegistry as the
// service finds it, its write committed through a real writer on a SQLite
// file (BotDatabase) and its reply read through that file: no NATS.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "service/classic_queries.h"
#include "service/kv_requests.h"
#include "service/migrate_requests.h"
#include "service/request_registry.h"
#include "service/row_requests.h"
#include "service/storage_context.h"
#include "support/bot_database.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::service {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
constexpr const char* kQuotes =
    R"({"table":"quotes","schema":{"fields":[{"name":"text","type":"text","required":true},
        {"name":"score","type":"integer"}]}})";

// One roseyd's plugin storage: its context and families, on a shared file.
class Storage {
 public:
  Storage(const ServiceConfig& config, testing::BotDatabase* db)
      : metrics_(&prometheus_),
        context_(config, storage_api::Dialect::kSqlite, &metrics_),
        kv_(&context_),
        row_(&context_),
        migrate_(&context_),
        db_(db) {
    registry_.Add(&kv_);
    registry_.Add(&row_);
    registry_.Add(&migrate_);
    EXPECT_OK(context_.LoadSchemas(&db_->reader()));
  }

  StorageContext& context() { return context_; }

  // The reply to `payload` on rosey.db.<suffix>: Admit, its write
  // committed, then Handle, as RequestService does.
  json Ask(const std::string& suffix, const std::string& payload) {
    const std::string subject = "rosey.db." + suffix;
    const auto match = registry_.Find(subject);
    if (!match) {
      ADD_FAILURE() << "no family answers " << subject;
      return json();
    }
    const RequestRegistry::Entry& entry = registry_.entries()[match->route];
    Request request{entry.route.kind, match->wildcard, payload, kNow,
                    std::chrono::steady_clock::now()};
    RequestOutcome outcome;
    const Admission admission = entry.family->Admit(request);
    if (admission.answer) {
      outcome = *admission.answer;
    } else {
      if (admission.write) {
        EXPECT_OK(db_->Apply(*admission.write));
        request.write = &*admission.write;
      }
      outcome = entry.family->Handle(request, &db_->reader());
    }
    return json::parse(outcome.reply, nullptr, /*allow_exceptions=*/false);
  }

  std::string Refusal(const std::string& suffix, service::Refusal refusal) {
    const auto match = registry_.Find("rosey.db." + suffix);
    const RequestRegistry::Entry& entry = registry_.entries()[match->route];
    return entry.family->ErrorReply(entry.route.kind, refusal);
  }

 private:
  prometheus::Registry prometheus_;
  StorageMetrics metrics_;
  StorageContext context_;
  KvRequests kv_;
  RowRequests row_;
  MigrateRequests migrate_;
  RequestRegistry registry_{"rosey.db"};
  testing::BotDatabase* const db_;
};

class StorageFamiliesTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::BotDatabase db_{StoreConfig{}, dir_.File("rosey.db")};
  Storage storage_{ServiceConfig{}, &db_};
};

json Error(const json& reply) { return reply.value("error", json()); }

TEST_F(StorageFamiliesTest, AKvSetIsReadBackByGetAndList) {
  EXPECT_EQ(storage_.Ask("kv.set", R"({"plugin_name":"p","key":"k","value":{"n":42}})")["success"],
            true);
  // KV nests its results in "data" (ROSEY_STORAGE_API.md).
  const json got = storage_.Ask("kv.get", R"({"plugin_name":"p","key":"k"})")["data"];
  EXPECT_EQ(got["exists"], true);
  EXPECT_EQ(got["value"], json::parse(R"({"n":42})"));
  EXPECT_EQ(storage_.Ask("kv.get", R"({"plugin_name":"p","key":"other"})")["data"]["exists"],
            false);
  EXPECT_EQ(storage_.Ask("kv.list", R"({"plugin_name":"p"})")["data"]["keys"],
            json::parse(R"(["k"])"));
  EXPECT_EQ(storage_.Ask("kv.delete", R"({"plugin_name":"p","key":"k"})")["success"], true);
  EXPECT_EQ(storage_.Ask("kv.get", R"({"plugin_name":"p","key":"k"})")["data"]["exists"], false);
}

TEST_F(StorageFamiliesTest, AWriteThatDoesNotDecodeIsAnsweredOnArrivalWithoutWriting) {
  EXPECT_EQ(Error(storage_.Ask("kv.set", "{"))["code"], "INVALID_JSON");
  EXPECT_EQ(Error(storage_.Ask("kv.set", R"({"plugin_name":"p","value":1})"))["code"],
            "MISSING_FIELD");
  EXPECT_EQ(storage_.Ask("kv.list", R"({"plugin_name":"p"})")["data"]["keys"], json::array());
}

TEST_F(StorageFamiliesTest, StoragePluginsRefusesAPluginNotListed) {
  ServiceConfig config;
  config.storage_plugins = {"allowed"};
  Storage only(config, &db_);
  const json refused = only.Ask("kv.set", R"({"plugin_name":"other","key":"k","value":1})");
  EXPECT_EQ(Error(refused)["code"], "VALIDATION_ERROR");
  EXPECT_NE(Error(refused)["message"].get<std::string>().find("may not use the storage API"),
            std::string::npos);
  EXPECT_EQ(Error(only.Ask("row.other.search", R"({"table":"quotes"})"))["code"],
            "VALIDATION_ERROR");
  EXPECT_EQ(only.Ask("kv.set", R"({"plugin_name":"allowed","key":"k","value":1})")["success"],
            true);
}

TEST_F(StorageFamiliesTest, RowsOfTheSubjectsPluginAreInsertedAndFound) {
  ASSERT_EQ(storage_.Ask("row.quote-db.schema.register", kQuotes)["success"], true);
  EXPECT_EQ(storage_.Ask("row.quote-db.insert",
                         R"({"table":"quotes","data":[{"text":"a","score":1},{"text":"b"}]})")
                ["success"],
            true);
  const json found = storage_.Ask("row.quote-db.search", R"({"table":"quotes"})");
  EXPECT_EQ(found["count"], 2);
  EXPECT_EQ(found["rows"][0]["text"], "a");
  // The table belongs to the plugin the subject names.
  const json other = storage_.Ask("row.other.search", R"({"table":"quotes"})");
  EXPECT_EQ(Error(other)["code"], "VALIDATION_ERROR");
  EXPECT_EQ(Error(other)["message"], "Table 'quotes' not registered for plugin 'other'");
}

// A roseyd that does not write learns of a table registered through the one
// that does from the database, on the first read that misses it.
TEST_F(StorageFamiliesTest, OnlyAFollowerReloadsTheCatalogWhenAReadMissesATable) {
  Storage follower(ServiceConfig{}, &db_);
  follower.context().SetReloadOnMiss(true);
  Storage stale(ServiceConfig{}, &db_);  // reload on miss off, as on the writer
  ASSERT_EQ(storage_.Ask("row.p.schema.register", kQuotes)["success"], true);
  ASSERT_EQ(storage_.Ask("row.p.insert", R"({"table":"quotes","data":{"text":"a"}})")["success"],
            true);
  EXPECT_EQ(follower.Ask("row.p.search", R"({"table":"quotes"})")["count"], 1);
  EXPECT_EQ(Error(stale.Ask("row.p.search", R"({"table":"quotes"})"))["message"],
            "Table 'quotes' not registered for plugin 'p'");
  // Other errors are answered as they are.
  EXPECT_EQ(Error(follower.Ask("row.p.search", R"({"table":"quotes","limit":-1})"))["code"],
            "VALIDATION_ERROR");
}

TEST_F(StorageFamiliesTest, ARequestRefusedBeforeItsFamilyGetsTheFamilysErrorShape) {
  EXPECT_EQ(json::parse(storage_.Refusal("kv.get", Refusal::kTooLarge)),
            json::parse(R"({"success":false,"error":{"code":"VALIDATION_ERROR",
                            "message":"Request too large"}})"));
  EXPECT_EQ(json::parse(storage_.Refusal("row.p.search", Refusal::kStopping)),
            json::parse(R"({"success":false,"error":{"code":"INTERNAL_ERROR",
                            "message":"Service unavailable: roseyd is stopping"}})"));
  ClassicQueries classic(100);
  RequestRegistry registry("rosey.db");
  registry.Add(&classic);
  const auto kind = [&](const char* subject) {
    return registry.entries()[registry.Find(subject)->route].route.kind;
  };
  EXPECT_EQ(json::parse(classic.ErrorReply(kind("rosey.db.query.user_stats"),
                                           Refusal::kOverloaded)),
            json::parse(R"({"success":false,"error":"Service overloaded"})"));
  EXPECT_EQ(classic.ErrorReply(kind("rosey.db.messages.outbound.get"), Refusal::kOverloaded),
            "[]");  // the list queries answered an empty list
}

TEST_F(StorageFamiliesTest, WithoutAPluginsFolderMigrateHasNothingToDoAndSaysWhy) {
  EXPECT_EQ(storage_.Ask("migrate.p.status", "{}"),
            json::parse(R"({"applied_migrations":[],"current_version":0,
                            "pending_migrations":[],"success":true})"));
  const std::string reply = storage_.Ask("migrate.p.apply", "{}").dump();
  EXPECT_NE(reply.find("service.plugins_dir is not set"), std::string::npos) << reply;
}

}  // namespace
}  // namespace roseyd::service
