#include "service/request_registry.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "base/startup_error.h"
#include "service/classic_queries.h"
#include "service/kv_requests.h"
#include "service/migrate_requests.h"
#include "service/row_requests.h"
#include "service/storage_context.h"
#include "service/subject.h"

namespace roseyd::service {
namespace {

// A family that claims the patterns it is given; kind = position.
class PatternFamily : public RequestFamily {
 public:
  explicit PatternFamily(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}
  std::vector<RequestRoute> Routes() const override {
    std::vector<RequestRoute> routes;
    for (size_t i = 0; i < patterns_.size(); ++i) {
      routes.push_back(RequestRoute{patterns_[i], patterns_[i], static_cast<int>(i)});
    }
    return routes;
  }
  RequestOutcome Handle(const Request&, store::Reader*) override { return {}; }
  std::string ErrorReply(int, Refusal) const override { return {}; }

 private:
  std::vector<std::string> patterns_;
};

TEST(RequestRegistryTest, ClassicQueriesClaimTheFourQuerySubjects) {
  ClassicQueries classic(100);
  RequestRegistry registry("rosey.db");
  registry.Add(&classic);
  std::vector<std::string> subjects;
  for (const auto& entry : registry.entries()) {
    subjects.push_back(entry.subject);
    EXPECT_EQ(entry.route.label, entry.subject.substr(std::string("rosey.db.").size()));
    EXPECT_FALSE(entry.wildcard);
  }
  EXPECT_EQ(subjects, (std::vector<std::string>{
                          "rosey.db.messages.outbound.get", "rosey.db.stats.recent_chat.get",
                          "rosey.db.query.channel_stats", "rosey.db.query.user_stats"}));
  const auto found = registry.Find("rosey.db.query.user_stats");
  ASSERT_TRUE(found);
  EXPECT_EQ(registry.entries()[found->route].route.kind, static_cast<int>(Subject::kUserStats));
  EXPECT_FALSE(registry.Find("rosey.db.user.joined"));  // an event
  EXPECT_FALSE(registry.Find("other.query.user_stats"));
  EXPECT_FALSE(registry.Find("rosey.dbquery.user_stats"));
}

TEST(RequestRegistryTest, AWildcardTokenMatchesAnyOneToken) {
  PatternFamily rows({"row.*.search", "kv.get"});
  RequestRegistry registry("rosey.db");
  registry.Add(&rows);
  const auto found = registry.Find("rosey.db.row.quotes.search");
  ASSERT_TRUE(found);
  EXPECT_EQ(registry.entries()[found->route].route.pattern, "row.*.search");
  EXPECT_TRUE(registry.entries()[found->route].wildcard);
  EXPECT_EQ(registry.entries()[found->route].subject, "rosey.db.row.*.search");
  EXPECT_EQ(found->wildcard, "quotes");  // the plugin, parsed here once
  EXPECT_EQ(registry.Find("rosey.db.kv.get")->wildcard, "");
  EXPECT_TRUE(registry.Find("rosey.db.row.trivia.search"));
  EXPECT_FALSE(registry.Find("rosey.db.row.search"));
  EXPECT_FALSE(registry.Find("rosey.db.row..search"));
  EXPECT_FALSE(registry.Find("rosey.db.row.a.b.search"));
  EXPECT_FALSE(registry.Find("rosey.db.row.quotes.search.more"));
  EXPECT_TRUE(registry.Find("rosey.db.kv.get"));
  EXPECT_FALSE(registry.Find("rosey.db.kv.get.x"));
  EXPECT_FALSE(registry.Find("rosey.db.kv"));
}

// The plugin storage API's thirteen subjects, each found once with its
// plugin (the only parse of the subject), and nothing like them.
TEST(RequestRegistryTest, FindsTheThirteenStorageSubjectsWithTheirPlugin) {
  prometheus::Registry prometheus;
  StorageMetrics metrics(&prometheus);
  StorageContext context(ServiceConfig{}, storage_api::Dialect::kSqlite, &metrics);
  KvRequests kv(&context);
  RowRequests row(&context);
  MigrateRequests migrate(&context);
  RequestRegistry registry("rosey.db");
  registry.Add(&kv);
  registry.Add(&row);
  registry.Add(&migrate);
  EXPECT_EQ(registry.entries().size(), 13u);
  const auto Plugin = [&](const char* subject) {
    const auto found = registry.Find(subject);
    return found ? std::string(found->wildcard) : std::string("(none)");
  };
  for (const char* op : {"set", "get", "delete", "list"}) {
    EXPECT_EQ(Plugin((std::string("rosey.db.kv.") + op).c_str()), "") << op;
  }
  for (const char* op : {"schema.register", "insert", "select", "update", "delete", "search"}) {
    EXPECT_EQ(Plugin((std::string("rosey.db.row.quote-db.") + op).c_str()), "quote-db") << op;
  }
  for (const char* op : {"apply", "rollback", "status"}) {
    EXPECT_EQ(Plugin((std::string("rosey.db.migrate.countdown.") + op).c_str()), "countdown")
        << op;
  }
  EXPECT_EQ(Plugin("rosey.db.kv.quote-db.get"), "(none)");
  EXPECT_EQ(Plugin("rosey.db.row.p.drop"), "(none)");
  EXPECT_EQ(Plugin("rosey.db.row..insert"), "(none)");
  EXPECT_EQ(Plugin("other.db.kv.set"), "(none)");
}

TEST(RequestRegistryTest, RefusesOverlappingClaims) {
  ClassicQueries classic(100);
  PatternFamily same({"query.user_stats"});
  PatternFamily wild({"query.*"});
  PatternFamily fine({"query.*.x"});
  RequestRegistry registry("rosey.db");
  registry.Add(&classic);
  EXPECT_THROW(registry.Add(&same), StartupError);
  EXPECT_THROW(registry.Add(&wild), StartupError);
  registry.Add(&fine);  // one token more: no subject matches both
  EXPECT_TRUE(registry.Find("rosey.db.query.y.x"));
}

TEST(RequestRegistryTest, RefusesClaimsOnEventSubjectsAndMalformedPatterns) {
  RequestRegistry registry("rosey.db");
  for (const char* pattern : {"user.joined", "user.*", "*.log", "kv..get", "kv.>", "kv.g*",
                              "", "kv.get ", "row.*.*.search"}) {
    PatternFamily family({pattern});
    EXPECT_THROW(registry.Add(&family), StartupError) << "'" << pattern << "'";
  }
  EXPECT_TRUE(registry.entries().empty());
}

}  // namespace
}  // namespace roseyd::service
