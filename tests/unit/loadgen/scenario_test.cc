#include "loadgen/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roseyd::loadgen {
namespace {

using ::testing::HasSubstr;

TEST(ScenarioCatalogTest, BuiltInCatalogHasTheTenClassicScenariosAndTheSuites) {
  const ScenarioCatalog catalog = LoadScenarios("");
  for (const char* name : {"single_event_latency", "request_reply_latency",
                           "concurrent_event_latency", "sustained_throughput", "burst",
                           "cpu_overhead", "memory_baseline", "memory_stability",
                           "mixed_event_types", "service_restart", "capacity", "soak"}) {
    EXPECT_NO_THROW(catalog.Get(name, "quick")) << name;
  }
  EXPECT_EQ(catalog.suites.at("classic").size(), 10u);
  const ScenarioSpec single = catalog.Get("single_event_latency", "");
  EXPECT_EQ(single.priority, report::Priority::kP0);
  ASSERT_FALSE(single.targets.empty());
  EXPECT_EQ(single.targets[0].metric, "mean_latency_ms");
  EXPECT_EQ(single.targets[0].value, 5);
}

// What roseyd ctl list shows beside each scenario.
TEST(ScenarioCatalogTest, SizeTextSaysHowMuchLoadAndForHowLong) {
  const ScenarioCatalog catalog = LoadScenarios("");
  EXPECT_EQ(catalog.Get("single_event_latency", "classic").SizeText(),
            "2000 events at 200/s over 10 s");
  EXPECT_EQ(catalog.Get("single_event_latency", "quick").SizeText(),
            "1000 events at 200/s over 5 s");
  EXPECT_EQ(catalog.Get("sustained_throughput", "quick").SizeText(),
            "5000 events at 1000/s over 5 s from 4 bots");
  EXPECT_EQ(catalog.Get("request_reply_latency", "classic").SizeText(),
            "2000 requests at 200/s over 10 s");
  EXPECT_THAT(catalog.Get("capacity", "classic").SizeText(), HasSubstr("ev/s, "));
  EXPECT_THAT(catalog.Get("cost_events_sqlite", "quick").SizeText(),
              HasSubstr("workload events on sqlite"));
  EXPECT_THAT(catalog.Get("service_restart", "classic").SizeText(),
              HasSubstr(", the service restarted midway"));
}

TEST(ScenarioCatalogTest, SuiteOverridesApplyOnlyToThatSuite) {
  const ScenarioCatalog catalog = ParseScenarios(R"(
suites: {quick: [a]}
scenarios:
  - {name: a, kind: events, rate: 100, events: 5000, quick: {events: 50}}
)", "test.yaml");
  EXPECT_EQ(catalog.Get("a", "quick").events, 50);
  EXPECT_EQ(catalog.Get("a", "classic").events, 5000);
  EXPECT_EQ(catalog.Get("a", "quick").LoadDuration(), std::chrono::milliseconds(500));
}

// The error ParseScenarios gives for `yaml` (as mine.yaml), or "no error".
std::string ParseError(const std::string& yaml) {
  try {
    ParseScenarios(yaml, "mine.yaml");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(ScenarioCatalogTest, ErrorsNameTheSourceTheScenarioAndTheField) {
  EXPECT_THAT(ParseError("scenarios:\n  - {name: a, kind: events, rate: -1}\n"),
              HasSubstr("mine.yaml: scenario a.rate: must be positive"));
  EXPECT_THAT(ParseError("scenarios:\n  - {name: a, kind: teleport}\n"), HasSubstr("unknown kind"));
  EXPECT_THAT(ParseError("scenarios:\n  - {name: a, kind: events, colour: red}\n"),
              HasSubstr("scenario a.colour: unknown key"));
  EXPECT_THAT(ParseError("scenarios:\n  - {name: a, kind: events, duration: 5}\n"),
              HasSubstr("needs a unit"));
  EXPECT_THAT(ParseError("suites: {quick: [b]}\nscenarios:\n  - {name: a, kind: events}\n"),
              HasSubstr("no scenario named 'b'"));
  EXPECT_THAT(ParseError("scenarios:\n  - {name: a, kind: events, quick: {publishers: 0}}\n"),
              HasSubstr("scenario a.quick.publishers: must be 1..1000"));
  EXPECT_THAT(ParseError("scenarios:\n  - {name: a, kind: events, targets: [{metric: x}]}\n"),
              HasSubstr("needs at_most or at_least"));
}

TEST(ScenarioCatalogTest, CostScenariosNameAWorkloadAStoreAndACount) {
  const ScenarioCatalog catalog = LoadScenarios("");
  const ScenarioSpec events = catalog.Get("cost_events_postgres", "cost");
  EXPECT_EQ(events.kind, ScenarioKind::kCost);
  EXPECT_EQ(events.workload, "events");
  EXPECT_EQ(events.store, "postgres");
  EXPECT_GT(events.events, 0);
  for (const char* suite : {"cost", "compare"}) {
    EXPECT_EQ(catalog.suites.at(suite).front(), "cost_events_sqlite") << suite;
  }
  EXPECT_THAT(ParseError("scenarios:\n  - {name: c, kind: cost, workload: teleport, events: 5}\n"),
              HasSubstr("scenario c.workload: 'teleport' is not events"));
  EXPECT_THAT(ParseError("scenarios:\n  - {name: c, kind: cost, workload: events, store: mysql, events: 5}\n"),
              HasSubstr("scenario c.store: must be sqlite or postgres"));
  EXPECT_THAT(ParseError("scenarios:\n  - {name: c, kind: cost, workload: events}\n"),
              HasSubstr("needs a workload and events"));
}

}  // namespace
}  // namespace roseyd::loadgen
