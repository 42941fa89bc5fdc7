#include "service/commit_ack_publisher.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mutex.h"
#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"

namespace roseyd::service {
namespace {

using namespace std::chrono_literals;

store::Event Traced(uint64_t trace_id) {
  store::Event event{store::ChatMessage{"u", "line"}};
  event.trace_id = trace_id;
  return event;
}

// The publisher on a real nats-server, with a subscriber collecting what it
// publishes on the acknowledgement subject.
class CommitAckPublisherTest : public ::testing::Test {
 protected:
  CommitAckPublisherTest() : server_(ServerOptions()) {
    bus::ConnectionOptions options;
    options.url = server_.url();
    options.send_asap = true;
    options.retry_on_failed_connect = false;
    connection_ = std::make_unique<bus::Connection>(options);
    subscription_ = connection_->Subscribe("test.commits", "", [this](const bus::Message& m) {
      MutexLock lock(&mu_);
      received_.emplace_back(m.data);
    });
    EXPECT_TRUE(connection_->Flush(2000ms).ok());
  }

  static bus::EmbeddedServerOptions ServerOptions() {
    bus::EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = false;
    return options;
  }

  // What arrived once `n` messages did (or 5 s passed), after a short grace
  // for any extra message that should not come.
  std::vector<std::string> Received(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        MutexLock lock(&mu_);
        if (received_.size() >= n) break;
      }
      std::this_thread::sleep_for(5ms);
    }
    std::this_thread::sleep_for(100ms);
    MutexLock lock(&mu_);
    return received_;
  }

  bus::NatsLibrary library_;
  bus::EmbeddedServer server_;
  std::unique_ptr<bus::Connection> connection_;
  Mutex mu_;
  std::vector<std::string> received_ GUARDED_BY(mu_);
  std::unique_ptr<bus::Subscription> subscription_;
};

TEST_F(CommitAckPublisherTest, AcknowledgesTracedEventsOnlyAndRejectionsToo) {
  {
    CommitAckPublisher publisher(connection_.get(), "test.commits");
    const std::vector<store::Event> untraced = {Traced(0), Traced(0)};
    publisher.OnCommitted(untraced, 1ms);  // a bot's batch: nothing to say
    ASSERT_EQ(Received(1).size(), 0u);

    const std::vector<store::Event> batch = {Traced(5), Traced(0), Traced(6)};
    publisher.OnCommitted(batch, 1ms);
    ASSERT_EQ(Received(1), std::vector<std::string>{R"({"trace_ids":[5,6],"rejected":[]})"});

    publisher.OnRejected(Traced(0), Status::InvalidArgument("bad row"));  // untraced: silent
    publisher.OnRejected(Traced(9), Status::InvalidArgument("bad row"));
    const auto all = Received(2);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1], R"({"trace_ids":[],"rejected":[9]})");
    EXPECT_EQ(publisher.Failures(), 0u);
  }
}

TEST_F(CommitAckPublisherTest, PublishesWhatIsPendingWhenDestroyedAndSplitsLargeBacklogs) {
  std::vector<store::Event> batch;
  for (uint64_t id = 1; id <= 10'000; ++id) batch.push_back(Traced(id));
  {
    CommitAckPublisher publisher(connection_.get(), "test.commits");
    publisher.OnCommitted(batch, 1ms);
  }  // joined: everything handed over is published
  const auto messages = Received(3);
  ASSERT_GE(messages.size(), 3u);  // at most 4096 ids a message
  std::vector<uint64_t> ids;
  for (const auto& m : messages) {
    const nlohmann::json ack = nlohmann::json::parse(m);
    ASSERT_LE(ack.at("trace_ids").size(), 4096u);
    EXPECT_TRUE(ack.at("rejected").empty());
    for (const auto& id : ack.at("trace_ids")) ids.push_back(id.get<uint64_t>());
  }
  ASSERT_EQ(ids.size(), batch.size());  // each once, in commit order
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], i + 1);
}

}  // namespace
}  // namespace roseyd::service
