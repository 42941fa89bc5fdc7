// Connection and Subscription against a real nats-server on a free loopback port.

#include "bus/connection.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "base/mutex.h"
#include "base/startup_error.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "support/eventually.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::bus {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kPatience{10000};  // the longest any wait below may take
constexpr milliseconds kFlushTimeout{5000};

using ::roseyd::testing::Eventually;

// Short reconnect waits keep the restart tests quick. No retry at start: a
// missing server should fail the test at once, not block it.
ConnectionOptions ClientOptions(const std::string& url) {
  ConnectionOptions options;
  options.url = url;
  options.name = "roseyd-bus-test";
  options.reconnect_wait = milliseconds(50);
  options.reconnect_wait_max = milliseconds(200);
  options.retry_on_failed_connect = false;
  return options;
}

struct ReceivedMessage {
  std::string subject;
  std::string reply;
  std::string data;
};

// Copies what its handler receives (the Message views die with the call).
// Thread: thread-safe.
class Recorder {
 public:
  MessageHandler Handler() {
    return [this](const Message& message) {
      MutexLock lock(&mu_);
      messages_.push_back(
          {std::string(message.subject), std::string(message.reply), std::string(message.data)});
    };
  }
  size_t Count() const {
    MutexLock lock(&mu_);
    return messages_.size();
  }
  std::vector<ReceivedMessage> Messages() const {
    MutexLock lock(&mu_);
    return messages_;
  }

 private:
  mutable Mutex mu_;
  std::vector<ReceivedMessage> messages_ GUARDED_BY(mu_);
};

// Handlers block in Wait() until the test calls Open(). Thread: thread-safe.
class Gate {
 public:
  void Open() {
    MutexLock lock(&mu_);
    open_ = true;
    opened_.SignalAll();
  }
  void Wait() {
    MutexLock lock(&mu_);
    while (!open_) opened_.Wait();
  }

 private:
  Mutex mu_;
  CondVar opened_{&mu_};
  bool open_ GUARDED_BY(mu_) = false;
};

// Opens the gate when the scope ends. Declared after the Subscription, it runs
// before ~Subscription, which would otherwise wait for a handler stuck at the
// gate (after a failed ASSERT, say).
class OpenAtScopeExit {
 public:
  explicit OpenAtScopeExit(Gate* gate) : gate_(gate) {}
  ~OpenAtScopeExit() { gate_->Open(); }
  OpenAtScopeExit(const OpenAtScopeExit&) = delete;
  OpenAtScopeExit& operator=(const OpenAtScopeExit&) = delete;

 private:
  Gate* const gate_;
};

// Counts connection events, which arrive on cnats threads.
class CountingListener : public ConnectionListener {
 public:
  void OnConnected() noexcept override { ++late_connects; }
  void OnDisconnected() noexcept override { ++disconnects; }
  void OnReconnected() noexcept override { ++reconnects; }
  void OnAsyncError(const Status& error) noexcept override {
    if (error.message().find("slow consumer") != std::string::npos) ++slow_consumer_reports;
  }

  std::atomic<int> late_connects{0};
  std::atomic<int> disconnects{0};
  std::atomic<int> reconnects{0};
  std::atomic<int> slow_consumer_reports{0};
};

// Each test has the cnats library open, a scratch directory, and starts its
// own servers.
class BusTest : public ::testing::Test {
 protected:
  // A server on a free port, or on `port` to restart one where it was.
  std::unique_ptr<EmbeddedServer> StartServer(int port = 0) {
    EmbeddedServerOptions options;
    options.port = port;
    options.jetstream = false;
    options.store_dir = dir_.File("jetstream");
    options.log_file = dir_.File("nats-server.log");
    return std::make_unique<EmbeddedServer>(options);
  }

  NatsLibrary nats_library_;  // first, so it is closed after everything else
  testing::TempDir dir_;
};

using ConnectionTest = BusTest;
using SubscriptionTest = BusTest;

TEST_F(ConnectionTest, PublishedMessagesArriveIntact) {
  auto server = StartServer();
  Connection connection(ClientOptions(server->url()));
  Recorder recorder;
  auto subscription = connection.Subscribe("round.trip", "", recorder.Handler());

  std::string large(100 * 1024, '\0');
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i % 251);
  const std::vector<std::string> payloads = {"hello", std::string("before\0after", 12), large};
  for (const std::string& payload : payloads) ASSERT_OK(connection.Publish("round.trip", payload));
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return recorder.Count() >= payloads.size(); }));

  const std::vector<ReceivedMessage> received = recorder.Messages();
  ASSERT_EQ(received.size(), payloads.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    EXPECT_EQ(received[i].subject, "round.trip");
    EXPECT_EQ(received[i].reply, "");
    EXPECT_TRUE(received[i].data == payloads[i])
        << "payload " << i << ": sent " << payloads[i].size() << " bytes, got "
        << received[i].data.size();
  }
}

// One delivery thread for every subscription of the connection: messages on
// different subjects are handled in the order the server sent them (each
// subscription's own thread would interleave them freely).
TEST_F(ConnectionTest, OrderedDeliveryKeepsTheOrderAcrossSubscriptions) {
  auto server = StartServer();
  ConnectionOptions options = ClientOptions(server->url());
  options.ordered_delivery = true;
  Connection receiver(options);
  Recorder recorder;
  std::vector<std::unique_ptr<Subscription>> subscriptions;
  for (int i = 0; i < 4; ++i) {
    subscriptions.push_back(receiver.Subscribe("ordered." + std::to_string(i), "",
                                               recorder.Handler()));
  }
  ASSERT_OK(receiver.Flush(kFlushTimeout));
  Connection sender(ClientOptions(server->url()));
  constexpr int kMessages = 20000;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_OK(sender.Publish("ordered." + std::to_string(i % 4), std::to_string(i)));
  }
  ASSERT_OK(sender.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return recorder.Count() >= kMessages; }));
  const std::vector<ReceivedMessage> received = recorder.Messages();
  int out_of_order = 0;
  for (int i = 0; i < kMessages; ++i) {
    if (received[static_cast<size_t>(i)].data != std::to_string(i)) ++out_of_order;
  }
  EXPECT_EQ(out_of_order, 0);
}

TEST_F(ConnectionTest, PublishRequestCarriesTheReplySubject) {
  auto server = StartServer();
  Connection connection(ClientOptions(server->url()));
  Recorder recorder;
  auto subscription = connection.Subscribe("asks", "", recorder.Handler());
  ASSERT_OK(connection.PublishRequest("asks", "answers.here", "question"));
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return recorder.Count() >= 1; }));
  const ReceivedMessage received = recorder.Messages()[0];
  EXPECT_EQ(received.reply, "answers.here");
  EXPECT_EQ(received.data, "question");
}

TEST_F(ConnectionTest, RequestReturnsTheResponderReply) {
  auto server = StartServer();
  Connection connection(ClientOptions(server->url()));
  auto responder = connection.Subscribe("reverse", "", [&connection](const Message& request) {
    const std::string reversed(request.data.rbegin(), request.data.rend());
    EXPECT_OK(connection.Publish(request.reply, reversed));
  });
  std::string reply;
  ASSERT_OK(connection.Request("reverse", "stressed", kFlushTimeout, &reply));
  EXPECT_EQ(reply, "desserts");
}

TEST_F(ConnectionTest, RequestWithoutResponderFailsWithinItsTimeout) {
  auto server = StartServer();
  Connection connection(ClientOptions(server->url()));
  std::string reply = "untouched";
  const auto start = Clock::now();
  const Status status = connection.Request("nobody.listens", "ping", milliseconds(500), &reply);
  EXPECT_EQ(status.code(), Status::Code::kUnavailable) << status.ToString();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(reply, "untouched");
}

TEST_F(ConnectionTest, ReconnectsAndResubscribesWhenTheServerComesBack) {
  auto server = StartServer();
  const int port = server->port();
  CountingListener listener;
  Connection connection(ClientOptions(server->url()), &listener);
  Recorder recorder;
  auto subscription = connection.Subscribe("after.restart", "", recorder.Handler());
  ASSERT_OK(connection.Flush(kFlushTimeout));

  server->Kill();
  ASSERT_TRUE(Eventually([&] { return !connection.IsConnected() && listener.disconnects > 0; }));
  EXPECT_EQ(listener.reconnects.load(), 0);

  server = StartServer(port);
  ASSERT_TRUE(Eventually([&] { return connection.IsConnected() && listener.reconnects > 0; }));
  EXPECT_GE(connection.Reconnects(), 1u);
  EXPECT_EQ(connection.ConnectedUrl(), server->url());

  // cnats sent the subscription again: the new server routes to it.
  ASSERT_OK(connection.Publish("after.restart", "again"));
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return recorder.Count() >= 1; }));
  EXPECT_EQ(recorder.Messages()[0].data, "again");
}

TEST_F(ConnectionTest, RetriesInTheBackgroundUntilTheServerStarts) {
  const int port = FindFreePort();
  ConnectionOptions options = ClientOptions("nats://127.0.0.1:" + std::to_string(port));
  options.retry_on_failed_connect = true;
  Connection connection(options);  // returns although nothing listens yet
  EXPECT_FALSE(connection.IsConnected());
  // As the daemon does: subscribe at once, reachable or not.
  Recorder recorder;
  auto subscription = connection.Subscribe("early", "", recorder.Handler());

  auto server = StartServer(port);
  ASSERT_TRUE(Eventually([&] { return connection.IsConnected(); }));
  ASSERT_OK(connection.Publish("early", "made it"));
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return recorder.Count() >= 1; }));
  EXPECT_EQ(recorder.Messages()[0].data, "made it");
}

// The daemon learns that NATS is up at last (its readiness turns 200).
TEST_F(ConnectionTest, TellsTheListenerWhenALateConnectionIsUp) {
  const int port = FindFreePort();
  ConnectionOptions options = ClientOptions("nats://127.0.0.1:" + std::to_string(port));
  options.retry_on_failed_connect = true;
  CountingListener listener;
  Connection connection(options, &listener);
  EXPECT_FALSE(connection.IsConnected());
  EXPECT_EQ(listener.late_connects, 0);
  auto server = StartServer(port);
  ASSERT_TRUE(Eventually([&] { return listener.late_connects == 1; }));
  EXPECT_TRUE(connection.IsConnected());
  EXPECT_EQ(listener.reconnects, 0);
}

// The load generator opens one connection per simulated bot: quiet ones say
// "NATS connected" at debug, not info.
TEST_F(ConnectionTest, QuietConnectionsLogTheirConnectAtDebug) {
  auto server = StartServer();
  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  logger->set_level(spdlog::level::info);
  logger->set_pattern("%l %v");
  spdlog::set_default_logger(logger);
  {
    ConnectionOptions loud = ClientOptions(server->url());
    loud.name = "loud";
    ConnectionOptions quiet = ClientOptions(server->url());
    quiet.name = "quiet";
    quiet.quiet = true;
    Connection a(loud);
    Connection b(quiet);
  }
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("info NATS connected to"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("as 'loud'"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("'quiet'"), std::string::npos) << log.str();
}

TEST_F(ConnectionTest, ClosesAtOnceWhileStillRetrying) {
  ConnectionOptions options = ClientOptions("nats://127.0.0.1:" + std::to_string(FindFreePort()));
  options.retry_on_failed_connect = true;
  const auto start = Clock::now();
  {
    Connection connection(options);
    EXPECT_FALSE(connection.IsConnected());
  }
  // ~Connection gives cnats's closed callback up to 5 s; it should need none of it.
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
}

TEST_F(ConnectionTest, ThrowsWhenNoServerListensAndRetryIsOff) {
  const std::string url = "nats://127.0.0.1:" + std::to_string(FindFreePort());
  try {
    Connection connection(ClientOptions(url));
    ADD_FAILURE() << "connected to " << url;
  } catch (const StartupError& error) {
    EXPECT_NE(std::string(error.what()).find(url), std::string::npos) << error.what();
  }
}

TEST_F(SubscriptionTest, QueueGroupDeliversEachMessageToOneMember) {
  auto server = StartServer();
  Connection first(ClientOptions(server->url()));
  Connection second(ClientOptions(server->url()));
  Recorder first_member, second_member;
  auto first_subscription = first.Subscribe("jobs", "workers", first_member.Handler());
  auto second_subscription = second.Subscribe("jobs", "workers", second_member.Handler());
  // Both members are known to the server before the first job.
  ASSERT_OK(first.Flush(kFlushTimeout));
  ASSERT_OK(second.Flush(kFlushTimeout));

  constexpr int kJobs = 200;
  for (int i = 0; i < kJobs; ++i) ASSERT_OK(first.Publish("jobs", std::to_string(i)));
  ASSERT_OK(first.Flush(kFlushTimeout));
  // Drain flushes the member's connection, so once both drains return every
  // job the server routed has been handled and the counts are final.
  ASSERT_OK(first_subscription->Drain(kFlushTimeout));
  ASSERT_OK(second_subscription->Drain(kFlushTimeout));

  // Which member gets how many is the server's choice; only the union is fixed.
  std::vector<int> jobs;
  for (const Recorder* member : {&first_member, &second_member}) {
    for (const ReceivedMessage& message : member->Messages()) {
      jobs.push_back(std::stoi(message.data));
    }
  }
  std::sort(jobs.begin(), jobs.end());
  std::vector<int> each_once(kJobs);
  std::iota(each_once.begin(), each_once.end(), 0);
  EXPECT_EQ(jobs, each_once);
}

TEST_F(SubscriptionTest, DestructorWaitsForTheRunningHandler) {
  auto server = StartServer();
  Connection connection(ClientOptions(server->url()));
  std::atomic<bool> in_handler{false};
  std::atomic<bool> finished{false};
  auto captured = std::make_unique<std::string>();
  auto subscription = connection.Subscribe("slow", "", [&](const Message& message) {
    in_handler = true;
    std::this_thread::sleep_for(milliseconds(200));
    captured->assign(message.data);
    finished = true;
  });
  ASSERT_OK(connection.Publish("slow", "payload"));
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return in_handler.load(); }));

  subscription.reset();
  EXPECT_TRUE(finished);
  // What the handler captured may go now (ASan or TSan would flag a late write).
  captured.reset();
}

TEST_F(SubscriptionTest, DrainReturnsOnceEveryReceivedMessageIsHandled) {
  auto server = StartServer();
  Connection connection(ClientOptions(server->url()));
  std::atomic<int> handled{0};
  auto subscription = connection.Subscribe("work", "", [&](const Message&) {
    // Slow enough that Drain starts with a backlog to wait for.
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    ++handled;
  });
  constexpr int kMessages = 1000;
  for (int i = 0; i < kMessages; ++i) ASSERT_OK(connection.Publish("work", "x"));
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_OK(subscription->Drain(kFlushTimeout));
  EXPECT_EQ(handled.load(), kMessages);
}

TEST_F(SubscriptionTest, DrainFailsWhenTheHandlerCannotFinishInTime) {
  auto server = StartServer();
  Connection connection(ClientOptions(server->url()));
  Gate gate;
  std::atomic<bool> in_handler{false};
  auto subscription = connection.Subscribe("stuck", "", [&](const Message&) {
    in_handler = true;
    gate.Wait();
  });
  const OpenAtScopeExit open_gate(&gate);
  ASSERT_OK(connection.Publish("stuck", "x"));
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return in_handler.load(); }));

  const auto start = Clock::now();
  const Status drained = subscription->Drain(milliseconds(200));
  EXPECT_EQ(drained.code(), Status::Code::kUnavailable) << drained.ToString();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
}

TEST_F(SubscriptionTest, DropsAndReportsWhatExceedsThePendingLimit) {
  auto server = StartServer();
  CountingListener listener;
  Connection connection(ClientOptions(server->url()), &listener);
  Gate gate;
  std::atomic<int> handled{0};
  auto subscription = connection.Subscribe("flood", "", [&](const Message&) {
    gate.Wait();
    ++handled;
  });
  const OpenAtScopeExit open_gate(&gate);
  ASSERT_OK(subscription->SetPendingLimits(10, -1));

  constexpr int kMessages = 500;
  for (int i = 0; i < kMessages; ++i) ASSERT_OK(connection.Publish("flood", "x"));
  // Publisher and subscriber share the connection: once Flush returns, cnats
  // has read all 500 from the socket and queued or dropped each one.
  ASSERT_OK(connection.Flush(kFlushTimeout));
  ASSERT_TRUE(Eventually([&] { return subscription->Dropped() > 0; }));
  EXPECT_LE(subscription->Pending(), 10);
  EXPECT_TRUE(Eventually([&] { return listener.slow_consumer_reports > 0; }));
  // Read before Drain: a drained subscription reports no statistics.
  const int64_t dropped = subscription->Dropped();

  gate.Open();
  ASSERT_OK(subscription->Drain(kFlushTimeout));
  EXPECT_EQ(handled + dropped, kMessages);
}

}  // namespace
}  // namespace roseyd::bus
