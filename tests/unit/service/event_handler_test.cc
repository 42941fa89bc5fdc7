#include "service/event_handler.h"

#include <string>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "unit/service/fake_event_sink.h"

namespace roseyd::service {
namespace {

TEST(ParseTraceIdTest, AcceptsOnlyAWholeDecimalNumber) {
  EXPECT_EQ(ParseTraceId("42"), 42u);
  EXPECT_EQ(ParseTraceId("18446744073709551615"), 18446744073709551615u);
  EXPECT_EQ(ParseTraceId(""), 0u);
  EXPECT_EQ(ParseTraceId("42x"), 0u);
  EXPECT_EQ(ParseTraceId("-1"), 0u);
  EXPECT_EQ(ParseTraceId("18446744073709551616"), 0u);  // overflow
}

class EventHandlerTest : public ::testing::Test {
 protected:
  EventHandlerTest() : metrics_(&registry_), handler_(Config(), &sink_, &metrics_) {}

  static ServiceConfig Config() {
    ServiceConfig config;
    config.max_payload_bytes = 64;
    return config;
  }

  // The value of the unlabelled counter `name`, or -1.
  double Counter(const std::string& name) {
    for (const auto& family : registry_.Collect()) {
      if (family.name == name && family.metric.size() == 1) return family.metric[0].counter.value;
    }
    return -1;
  }

  // roseyd_events_rejected_total{reason}.
  double Rejected(const std::string& reason) {
    double total = 0;
    for (const auto& family : registry_.Collect()) {
      if (family.name != "roseyd_events_rejected_total") continue;
      for (const auto& metric : family.metric) {
        for (const auto& label : metric.label) {
          if (label.name == "reason" && label.value == reason) total += metric.counter.value;
        }
      }
    }
    return total;
  }

  prometheus::Registry registry_;
  ServiceMetrics metrics_;
  FakeEventSink sink_;
  EventHandler handler_;
};

TEST_F(EventHandlerTest, SubmitsTheDecodedWriteWithItsTraceAndStreamSequence) {
  handler_.Handle(Subject::kMessageLog,
                  bus::Message{"rosey.db.message.log", "", R"({"username":"a","message":"hi"})",
                               "17"},
                  42);
  const auto events = sink_.Events();
  ASSERT_EQ(events.size(), 1u);
  const auto& chat = std::get<store::ChatMessage>(events[0].write);
  EXPECT_EQ(chat.username, "a");
  EXPECT_EQ(chat.message, "hi");
  EXPECT_EQ(events[0].trace_id, 17u);
  EXPECT_EQ(events[0].stream_seq, 42u);
  EXPECT_GT(events[0].unix_time, 0);
}

TEST_F(EventHandlerTest, RefusesOversizedAndInvalidPayloadsWithoutSubmitting) {
  const std::string big = R"({"username":")" + std::string(100, 'x') + R"("})";
  handler_.Handle(Subject::kUserJoined, bus::Message{"rosey.db.user.joined", "", big, ""}, 0);
  handler_.Handle(Subject::kUserJoined, bus::Message{"rosey.db.user.joined", "", "{", ""}, 0);
  EXPECT_TRUE(sink_.Events().empty());
  EXPECT_EQ(Rejected("oversized"), 1);
  EXPECT_EQ(Rejected("malformed_json"), 1);
}

// The event is applied, so it is not a rejection: the key is counted apart.
TEST_F(EventHandlerTest, AppliesWhitelistedStatusKeysAndCountsTheOthers) {
  handler_.Handle(Subject::kStatusUpdate,
                  bus::Message{"rosey.db.status.update", "",
                               R"({"status_data":{"bot_name":"rosey","nope":1,"nor":2}})", ""},
                  0);
  EXPECT_EQ(sink_.Events().size(), 1u);
  EXPECT_EQ(Counter("roseyd_status_keys_ignored_total"), 2);
  EXPECT_EQ(metrics_.RejectedTotal(), 0);
}

}  // namespace
}  // namespace roseyd::service
