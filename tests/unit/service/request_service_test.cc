// RequestService against a real nats-server on a free loopback port (the
// replies are published) and a real SQLite file, with a fake intake, a fake
// sink and a request family of the test's own.

#include "service/request_service.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "base/mutex.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "store/open_store.h"
#include "support/bot_database.h"
#include "support/eventually.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/service/fake_event_sink.h"

namespace roseyd::service {
namespace {

using namespace std::chrono_literals;

using ::roseyd::testing::Eventually;

// Core NATS intake's barrier: the arrival stamp itself.
class StampIntake : public Intake {
 public:
  void Start() override {}
  void Stop(std::chrono::milliseconds) override {}
  uint64_t RequestBarrier(uint64_t arrival_seq, std::chrono::steady_clock::time_point,
                          std::chrono::steady_clock::time_point) override {
    return arrival_seq;
  }
  void Tick() override {}
};

// Claims "row.*.search" and replies "reply:<plugin>:<payload>", each
// request waiting while the gate is closed. Records what the sink had
// committed when each request reached it.
class RowFamily : public RequestFamily {
 public:
  explicit RowFamily(const store::EventSink* sink) : sink_(sink) {}

  std::vector<RequestRoute> Routes() const override {
    return {RequestRoute{"row.*.search", "row.search", 7}};
  }
  RequestOutcome Handle(const Request& request, store::Reader* reader) override {
    MutexLock lock(&mu_);
    ++entered_;
    committed_seen_.push_back(sink_->LastCommitted());
    while (closed_) gate_cv_.Wait();
    EXPECT_EQ(request.kind, 7);
    EXPECT_NE(reader, nullptr);
    RequestOutcome outcome;
    outcome.reply = "reply:" + std::string(request.wildcard) + ":" + std::string(request.payload);
    return outcome;
  }
  std::string ErrorReply(int kind, Refusal refusal) const override {
    return "error:" + std::to_string(kind) + ":" + std::string(RefusalText(refusal));
  }

  void Close() {
    MutexLock lock(&mu_);
    closed_ = true;
  }
  void Open() {
    MutexLock lock(&mu_);
    closed_ = false;
    gate_cv_.SignalAll();
  }
  int Entered() {
    MutexLock lock(&mu_);
    return entered_;
  }
  std::vector<uint64_t> CommittedSeen() {
    MutexLock lock(&mu_);
    return committed_seen_;
  }

 private:
  const store::EventSink* const sink_;
  Mutex mu_;
  CondVar gate_cv_{&mu_};
  bool closed_ GUARDED_BY(mu_) = false;
  int entered_ GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> committed_seen_ GUARDED_BY(mu_);
};

// Claims the write route "kv.put": Admit submits a chat line carrying the
// payload, or answers "refused" at once for the payload "bad"; Handle
// replies with the payload of the write it finds. Its replies may wait 300 ms.
class WriteFamily : public RequestFamily {
 public:
  std::vector<RequestRoute> Routes() const override {
    return {RequestRoute{"kv.put", "kv.put", 3, /*write=*/true, /*max_payload_bytes=*/128,
                         std::chrono::milliseconds(300)}};
  }
  Admission Admit(const Request& request) override {
    Admission admission;
    if (request.payload == "bad") {
      admission.answer = RequestOutcome{"refused", std::nullopt, Status::OK()};
    } else {
      admission.write = store::LogChat{"writer", std::string(request.payload), std::nullopt};
    }
    return admission;
  }
  RequestOutcome Handle(const Request& request, store::Reader*) override {
    MutexLock lock(&mu_);
    ++handled_;
    const auto* line = request.write ? std::get_if<store::LogChat>(request.write) : nullptr;
    return RequestOutcome{"written:" + (line ? line->message : std::string("?")), std::nullopt,
                          Status::OK()};
  }
  std::string ErrorReply(int kind, Refusal refusal) const override {
    return "error:" + std::to_string(kind) + ":" + std::string(RefusalText(refusal));
  }
  int Handled() {
    MutexLock lock(&mu_);
    return handled_;
  }

 private:
  Mutex mu_;
  int handled_ GUARDED_BY(mu_) = 0;
};

class RequestServiceTest : public ::testing::Test {
 protected:
  RequestServiceTest() : server_(ServerOptions()), metrics_(&registry_) {
    config_.data_dir = dir_.path();
    config_.store.path = dir_.File("rosey.db");
    config_.service.request_workers = 1;
    config_.service.max_payload_bytes = 64;
    config_.service.request_timeout = 10s;
    { ::roseyd::testing::BotDatabase create(config_.store, config_.store.path); }

    bus::ConnectionOptions options;
    options.url = server_.url();
    options.send_asap = true;
    options.retry_on_failed_connect = false;
    connection_ = std::make_unique<bus::Connection>(options);
    replies_ = connection_->Subscribe("test.reply", "", [this](const bus::Message& m) {
      MutexLock lock(&mu_);
      received_.emplace_back(m.data);
    });
    EXPECT_TRUE(connection_->Flush(2000ms).ok());

    service_ = std::make_unique<RequestService>(config_, connection_.get(), &sink_, &metrics_);
    auto family = std::make_unique<RowFamily>(&sink_);
    family_ = family.get();
    service_->Register(std::move(family));
    auto writes = std::make_unique<WriteFamily>();
    writes_ = writes.get();
    service_->Register(std::move(writes));
    service_->Start(&intake_, store::OpenStore(config_).get());
  }

  static bus::EmbeddedServerOptions ServerOptions() {
    bus::EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = false;
    return options;
  }

  bool Ask(const std::string& subject, const std::string& payload, uint64_t arrival_seq = 0,
           const std::string& reply = "test.reply") {
    return service_->Accept(bus::Message{subject, reply, payload, ""}, arrival_seq);
  }

  std::vector<std::string> Received() {
    MutexLock lock(&mu_);
    return received_;
  }

  // roseyd_requests_rejected_total{subject="row.search",reason}, or with
  // `family` another family of the same labels, or another `subject`.
  double Rejected(const std::string& reason,
                  const std::string& family_name = "roseyd_requests_rejected_total",
                  const std::string& subject_label = "row.search") {
    double total = 0;
    for (const auto& family : registry_.Collect()) {
      if (family.name != family_name) continue;
      for (const auto& metric : family.metric) {
        bool subject = false, matches = false;
        for (const auto& label : metric.label) {
          subject |= label.name == "subject" && label.value == subject_label;
          matches |= label.name == "reason" && label.value == reason;
        }
        if (subject && matches) total += metric.counter.value;
      }
    }
    return total;
  }

  bus::NatsLibrary library_;
  testing::TempDir dir_;
  bus::EmbeddedServer server_;
  Config config_;
  prometheus::Registry registry_;
  ServiceMetrics metrics_;
  FakeEventSink sink_;
  StampIntake intake_;
  std::unique_ptr<bus::Connection> connection_;
  Mutex mu_;
  std::vector<std::string> received_ GUARDED_BY(mu_);
  std::unique_ptr<bus::Subscription> replies_;
  RowFamily* family_ = nullptr;  // owned by service_
  WriteFamily* writes_ = nullptr;  // owned by service_
  std::unique_ptr<RequestService> service_;
};

TEST_F(RequestServiceTest, AWildcardRouteGetsTheWholeSubject) {
  ASSERT_TRUE(Ask("rosey.db.row.quotes.search", "{}"));
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1; }));
  EXPECT_EQ(Received()[0], "reply:quotes:{}");
}

TEST_F(RequestServiceTest, TakesOnlyTheSubjectsItsFamiliesClaim) {
  EXPECT_FALSE(Ask("rosey.db.row.search", "{}"));
  EXPECT_FALSE(Ask("rosey.db.query.user_stats", "{}"));  // no classic family here
  EXPECT_EQ(service_->Subjects(),
            (std::vector<std::string>{"rosey.db.row.*.search", "rosey.db.kv.put"}));
}

TEST_F(RequestServiceTest, AnswersOnlyAfterTheEventsBeforeItCommitted) {
  ASSERT_OK(sink_.Submit(store::Event{store::UserJoined{"a"}}));
  ASSERT_TRUE(Ask("rosey.db.row.a.search", "{}", /*arrival_seq=*/1));
  ASSERT_TRUE(Eventually([&] { return sink_.WaitingFor(1) == 1; }));  // the worker waits
  EXPECT_EQ(family_->Entered(), 0);
  EXPECT_TRUE(Received().empty());
  sink_.CommitThrough(1);
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1; }));
  EXPECT_EQ(family_->CommittedSeen(), std::vector<uint64_t>{1});
}

TEST_F(RequestServiceTest, RefusesAtOnceWhenTheQueueIsFull) {
  family_->Close();
  ASSERT_TRUE(Ask("rosey.db.row.a.search", "first"));
  ASSERT_TRUE(Eventually([&] { return family_->Entered() == 1; }));  // the worker holds it
  for (int i = 0; i < 1024; ++i) ASSERT_TRUE(Ask("rosey.db.row.a.search", "queued"));
  ASSERT_TRUE(Ask("rosey.db.row.a.search", "one too many"));
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1; }));
  EXPECT_EQ(Received()[0], "error:7:Service overloaded");
  EXPECT_EQ(Rejected("overloaded"), 1);

  family_->Open();
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1026; }));
  EXPECT_EQ(Received()[1], "reply:a:first");
}

TEST_F(RequestServiceTest, RefusesOversizedAndReplylessRequests) {
  ASSERT_TRUE(Ask("rosey.db.row.a.search", std::string(65, 'x')));
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1; }));
  EXPECT_EQ(Received()[0], "error:7:Request too large");
  EXPECT_EQ(Rejected("oversized"), 1);

  ASSERT_TRUE(Ask("rosey.db.row.a.search", "{}", 0, /*reply=*/""));
  EXPECT_EQ(Rejected("no_reply_subject"), 1);
  EXPECT_EQ(family_->Entered(), 0);
  // Requests are counted apart from events.
  EXPECT_EQ(Rejected("oversized", "roseyd_events_rejected_total"), 0);
  EXPECT_EQ(Rejected("no_reply_subject", "roseyd_events_rejected_total"), 0);
}

TEST_F(RequestServiceTest, StopAnswersWhatIsQueuedThenRefuses) {
  family_->Close();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Ask("rosey.db.row.a.search", "{}"));
  std::thread stopper([&] { service_->Stop(); });
  // Stop has begun, with the reads still held at the gate, once a probe (a
  // write answered on arrival, to a subject nobody reads) is refused.
  ASSERT_TRUE(Eventually([&] {
    Ask("rosey.db.kv.put", "bad", 0, "test.probe");
    return Rejected("shutting_down", "roseyd_requests_rejected_total", "kv.put") == 1;
  }));
  family_->Open();
  stopper.join();
  EXPECT_EQ(family_->Entered(), 3);
  ASSERT_TRUE(Ask("rosey.db.row.a.search", "{}"));
  ASSERT_TRUE(Eventually([&] { return Received().size() == 4; }));
  EXPECT_EQ(Received()[3], "error:7:Service unavailable: roseyd is stopping");
  EXPECT_EQ(Rejected("shutting_down"), 1);
  EXPECT_EQ(Rejected("overloaded"), 0);
}

// The write is in the sink as soon as Accept returns, after the events that
// arrived before it; its reply waits for its own commit.
TEST_F(RequestServiceTest, AWriteIsSubmittedOnArrivalAndAnsweredAfterItsCommit) {
  ASSERT_OK(sink_.Submit(store::Event{store::UserJoined{"a"}}));
  ASSERT_TRUE(Ask("rosey.db.kv.put", "v1", /*arrival_seq=*/1));
  const auto events = sink_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<store::LogChat>(events[1].write).message, "v1");
  sink_.CommitThrough(1);
  // Still waiting, now for its own commit.
  ASSERT_TRUE(Eventually([&] { return sink_.WaitingFor(2) == 1; }));
  EXPECT_TRUE(Received().empty());
  sink_.CommitThrough(2);
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1; }));
  EXPECT_EQ(Received()[0], "written:v1");
}

TEST_F(RequestServiceTest, AWriteWithoutAReplySubjectIsStillExecuted) {
  ASSERT_TRUE(Ask("rosey.db.kv.put", "quiet", 0, /*reply=*/""));
  ASSERT_EQ(sink_.Events().size(), 1u);
  sink_.CommitThrough(1);
  ASSERT_TRUE(Eventually([&] { return writes_->Handled() == 1; }));
  EXPECT_EQ(Rejected("no_reply_subject"), 0);
  // The one worker answers in order on one connection: a read after it is
  // the first reply, so the write published none.
  ASSERT_TRUE(Ask("rosey.db.row.a.search", "after"));
  ASSERT_TRUE(Eventually([&] { return !Received().empty(); }));
  EXPECT_EQ(Received(), std::vector<std::string>{"reply:a:after"});
}

TEST_F(RequestServiceTest, AnAnswerDecidedOnArrivalWritesNothing) {
  ASSERT_TRUE(Ask("rosey.db.kv.put", "bad"));
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1; }));
  EXPECT_EQ(Received()[0], "refused");
  EXPECT_TRUE(sink_.Events().empty());
  EXPECT_EQ(writes_->Handled(), 0);
}

// Its outcome may not be read before the commit: the route's own timeout
// gives the family's error reply instead.
TEST_F(RequestServiceTest, AWriteNotCommittedInTimeGetsTheErrorReply) {
  ASSERT_TRUE(Ask("rosey.db.kv.put", "slow"));
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1; }));
  EXPECT_EQ(Received()[0], "error:3:Write not committed in time");
  EXPECT_EQ(writes_->Handled(), 0);
}

// A write waits in the sink's queue like an event instead: it is never
// refused for a full request queue.
TEST_F(RequestServiceTest, AFullQueueRefusesReadsButNotWrites) {
  family_->Close();
  ASSERT_TRUE(Ask("rosey.db.row.a.search", "first"));
  ASSERT_TRUE(Eventually([&] { return family_->Entered() == 1; }));
  for (int i = 0; i < 1024; ++i) ASSERT_TRUE(Ask("rosey.db.row.a.search", "queued"));
  ASSERT_TRUE(Ask("rosey.db.kv.put", "still"));
  EXPECT_EQ(sink_.Events().size(), 1u);
  sink_.CommitThrough(1);
  family_->Open();
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1026; }));
  const auto received = Received();
  EXPECT_NE(std::find(received.begin(), received.end(), "written:still"), received.end());
  EXPECT_EQ(Rejected("overloaded"), 0);
}

// Writes waiting for their commits do not count against the reads' bound.
TEST_F(RequestServiceTest, WritesWaitingForTheirCommitsDoNotCrowdOutReads) {
  for (int i = 0; i < 1100; ++i) ASSERT_TRUE(Ask("rosey.db.kv.put", "w"));
  ASSERT_TRUE(Ask("rosey.db.row.a.search", "read"));
  EXPECT_EQ(Rejected("overloaded"), 0);
  sink_.CommitThrough(1100);
  ASSERT_TRUE(Eventually([&] { return Received().size() == 1101; }));
  EXPECT_EQ(Received().back(), "reply:a:read");
}

TEST_F(RequestServiceTest, ARouteMayAcceptLargerPayloadsThanTheService) {
  ASSERT_TRUE(Ask("rosey.db.kv.put", std::string(100, 'x')));  // over 64, under 128
  ASSERT_EQ(sink_.Events().size(), 1u);
  sink_.CommitThrough(1);
  ASSERT_TRUE(Ask("rosey.db.kv.put", std::string(129, 'x')));
  ASSERT_TRUE(Eventually([&] { return Received().size() == 2; }));
  auto received = Received();
  std::sort(received.begin(), received.end());
  EXPECT_EQ(received, (std::vector<std::string>{"error:3:Request too large",
                                                "written:" + std::string(100, 'x')}));
  EXPECT_EQ(sink_.Events().size(), 1u);
}

}  // namespace
}  // namespace roseyd::service
