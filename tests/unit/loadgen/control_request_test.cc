#include "loadgen/control_request.h"

#include <gtest/gtest.h>

namespace roseyd::loadgen {
namespace {

// Refused requests must say which field is wrong, and how.
class ControlRequestTest : public ::testing::Test {
 protected:
  ControlRequestTest() : catalog_(LoadScenarios("")) {}

  std::string Error(const std::string& verb, const std::string& payload) {
    ControlRequest out;
    return ParseControlRequest(verb, payload, catalog_, limits_, &out);
  }

  ControlRequest Parsed(const std::string& verb, const std::string& payload) {
    ControlRequest out;
    const std::string error = ParseControlRequest(verb, payload, catalog_, limits_, &out);
    EXPECT_EQ(error, "") << payload;
    return out;
  }

  ScenarioCatalog catalog_;
  ControlLimits limits_{20000, std::chrono::minutes(10)};
};

TEST_F(ControlRequestTest, AcceptsWhatTheSchemaAllows) {
  const ControlRequest r =
      Parsed("start", R"({"token":"t","suite":"classic","scenarios":["burst","capacity"],)"
                      R"("rate":500,"duration_s":2.5})");
  EXPECT_EQ(r.token, "t");
  EXPECT_EQ(r.run.suite, "classic");
  EXPECT_EQ(r.run.scenarios, (std::vector<std::string>{"burst", "capacity"}));
  EXPECT_DOUBLE_EQ(*r.run.rate, 500);
  EXPECT_EQ(r.run.duration->count(), 2500);
  EXPECT_DOUBLE_EQ(*r.run.max_rate, 20000);  // the caps travel with the run
  EXPECT_EQ(r.run.max_duration->count(), 600000);
  for (const char* verb : {"list", "status", "cancel"}) EXPECT_EQ(Error(verb, R"({"token":"t"})"), "");
}

// list takes the suite whose sizes to show; quick when absent (as start).
TEST_F(ControlRequestTest, ListTakesTheSuiteWhoseSizesItShows) {
  EXPECT_EQ(Parsed("list", R"({"token":"t","suite":"classic"})").run.suite, "classic");
  EXPECT_EQ(Parsed("list", R"({"token":"t"})").run.suite, "quick");
  EXPECT_EQ(Error("list", R"({"token":"t","suite":"nope"})").rfind("suite: no suite named 'nope'", 0),
            0u);
  EXPECT_EQ(Error("list", R"({"token":"t","rate":5})"),
            "unknown field 'rate' (list takes: token, suite)");
}

TEST_F(ControlRequestTest, RefusesUnknownFieldsNamingThemAndTheAllowedOnes) {
  EXPECT_EQ(Error("start", R"({"token":"t","rate2":10})"),
            "unknown field 'rate2' (start takes: token, suite, scenarios, rate, duration_s)");
  EXPECT_EQ(Error("status", R"({"token":"t","suite":"quick"})"),
            "unknown field 'suite' (status takes: token)");
  EXPECT_EQ(Error("start", "[1]"), "request must be a JSON object");
  EXPECT_EQ(Error("start", "{"), "request must be a JSON object");
}

TEST_F(ControlRequestTest, RefusesOutOfRangeValuesNamingTheFieldAndTheLimit) {
  EXPECT_EQ(Error("start", R"({"token":"t","rate":10000000})"),
            "rate: 10000000 is out of range (0 < rate <= 20000, bench.control.max_rate)");
  EXPECT_EQ(Error("start", R"({"token":"t","rate":0})"),
            "rate: 0 is out of range (0 < rate <= 20000, bench.control.max_rate)");
  EXPECT_EQ(Error("start", R"({"token":"t","rate":-5})"),
            "rate: -5 is out of range (0 < rate <= 20000, bench.control.max_rate)");
  EXPECT_EQ(Error("start", R"({"token":"t","rate":"fast"})"),
            "rate: expected a number of events per second, got \"fast\"");
  EXPECT_EQ(Error("start", R"({"token":"t","duration_s":601})"),
            "duration_s: 601 is out of range (0 < duration_s <= 600, bench.control.max_duration)");
  EXPECT_EQ(Error("start", R"({"token":"t","duration_s":true})"),
            "duration_s: expected a number of seconds, got true");
  EXPECT_EQ(Error("start", R"({"token":"t","duration_s":0.0001})"),
            "duration_s: 0.0001 is under a millisecond");
}

TEST_F(ControlRequestTest, RefusesUnknownSuitesAndScenarios) {
  EXPECT_EQ(Error("start", R"({"token":"t","suite":"huge"})"),
            "suite: no suite named 'huge' (there are: classic, compare, cost, failover, full, quick, soak)");
  EXPECT_EQ(Error("start", R"({"token":"t","suite":7})"), "suite: expected a suite name, got 7");
  EXPECT_EQ(Error("start", R"({"token":"t","scenarios":["no_such"]})"),
            "scenarios: no scenario named 'no_such'");
  EXPECT_EQ(Error("start", R"({"token":"t","scenarios":[]})"),
            "scenarios: expected a non-empty list of scenario names, got []");
  EXPECT_EQ(Error("start", R"({"token":"t","scenarios":"burst"})"),
            "scenarios: expected a non-empty list of scenario names, got \"burst\"");
  EXPECT_EQ(Error("start", R"({"token":"t","scenarios":["burst",3]})"),
            "scenarios: expected scenario names, got 3");
  EXPECT_EQ(Error("start", R"({"token":"t","scenarios":["burst","burst"]})"),
            "scenarios: 'burst' is listed twice");
}

}  // namespace
}  // namespace roseyd::loadgen
