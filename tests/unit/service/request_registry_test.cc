#include "service/request_registry.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "service/classic_queries.h"
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
  std::string ErrorReply(int, std::string_view) const override { return {}; }

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
  EXPECT_EQ(registry.entries()[*found].route.kind, static_cast<int>(Subject::kUserStats));
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
  EXPECT_EQ(registry.entries()[*found].route.pattern, "row.*.search");
  EXPECT_TRUE(registry.entries()[*found].wildcard);
  EXPECT_EQ(registry.entries()[*found].subject, "rosey.db.row.*.search");
  EXPECT_TRUE(registry.Find("rosey.db.row.trivia.search"));
  EXPECT_FALSE(registry.Find("rosey.db.row.search"));
  EXPECT_FALSE(registry.Find("rosey.db.row..search"));
  EXPECT_FALSE(registry.Find("rosey.db.row.a.b.search"));
  EXPECT_FALSE(registry.Find("rosey.db.row.quotes.search.more"));
  EXPECT_TRUE(registry.Find("rosey.db.kv.get"));
  EXPECT_FALSE(registry.Find("rosey.db.kv.get.x"));
  EXPECT_FALSE(registry.Find("rosey.db.kv"));
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
                              "", "kv.get "}) {
    PatternFamily family({pattern});
    EXPECT_THROW(registry.Add(&family), StartupError) << "'" << pattern << "'";
  }
  EXPECT_TRUE(registry.entries().empty());
}

}  // namespace
}  // namespace roseyd::service
