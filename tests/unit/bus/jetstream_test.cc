// JetStreamConsumer against a real nats-server with JetStream on a free
// loopback port.

#include "bus/jetstream.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/mutex.h"
#include "base/startup_error.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "support/eventually.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::bus {
namespace {

using std::chrono::milliseconds;

using ::roseyd::testing::Eventually;

// Records stream sequences and payloads as delivered.
class Sink {
 public:
  MessageHandler Handler() {
    return [this](const Message& m) {
      MutexLock lock(&mu_);
      seqs_.push_back(StreamSequenceOf(m.reply));
      data_.emplace_back(m.data);
      last_reply_ = std::string(m.reply);
    };
  }
  std::vector<uint64_t> Seqs() const {
    MutexLock lock(&mu_);
    return seqs_;
  }
  std::vector<std::string> Data() const {
    MutexLock lock(&mu_);
    return data_;
  }
  std::string LastReply() const {
    MutexLock lock(&mu_);
    return last_reply_;
  }

 private:
  mutable Mutex mu_;
  std::vector<uint64_t> seqs_ GUARDED_BY(mu_);
  std::vector<std::string> data_ GUARDED_BY(mu_);
  std::string last_reply_ GUARDED_BY(mu_);
};

class JetStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = true;
    options.store_dir = dir_.File("jetstream");
    options.log_file = dir_.File("nats-server.log");
    server_ = std::make_unique<EmbeddedServer>(options);
    ConnectionOptions connection;
    connection.url = server_->url();
    connection.send_asap = true;
    connection.retry_on_failed_connect = false;
    connection_ = std::make_unique<Connection>(connection);
  }

  std::unique_ptr<JetStreamConsumer> NewConsumer() {
    return std::make_unique<JetStreamConsumer>(
        connection_.get(), StreamOptions{"TEST_EVENTS", {"test.events.>"}, {}, -1},
        ConsumerOptions{"reader", milliseconds(30000), 1000});
  }

  void Publish(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      ASSERT_OK(connection_->Publish("test.events.x", "event " + std::to_string(i)));
    }
    ASSERT_OK(connection_->Flush(milliseconds(5000)));
  }

  NatsLibrary nats_library_;
  testing::TempDir dir_;
  std::unique_ptr<EmbeddedServer> server_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(JetStreamTest, DeliversInStreamOrderFromTheGivenSequence) {
  auto consumer = NewConsumer();
  Publish(1, 10);
  StreamState state;
  ASSERT_OK(consumer->GetStreamState(&state));
  EXPECT_EQ(state.first_seq, 1u);
  EXPECT_EQ(state.last_seq, 10u);
  EXPECT_EQ(state.messages, 10u);

  Sink from_start;
  ASSERT_OK(consumer->Reset(1, from_start.Handler()));
  ASSERT_TRUE(Eventually([&] { return from_start.Seqs().size() == 10; }));
  EXPECT_EQ(from_start.Seqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(from_start.Data().front(), "event 1");

  // Recreated at 8: only 8..10, then what is published next.
  Sink from_eight;
  ASSERT_OK(consumer->Reset(8, from_eight.Handler()));
  Publish(11, 2);
  ASSERT_TRUE(Eventually([&] { return from_eight.Seqs().size() == 5; }));
  EXPECT_EQ(from_eight.Seqs(), (std::vector<uint64_t>{8, 9, 10, 11, 12}));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(from_start.Seqs().size(), 10u) << "the old delivery must have stopped";
  ASSERT_OK(consumer->AckThrough(from_eight.LastReply()));
  ASSERT_OK(consumer->Drain(milliseconds(2000)));
}

TEST_F(JetStreamTest, TheStreamOutlivesTheConsumerObjectAndIsUpdatedInPlace) {
  {
    auto consumer = NewConsumer();
    Publish(1, 3);
  }
  auto again = NewConsumer();  // exists: updated, not recreated, so the events stay
  StreamState state;
  ASSERT_OK(again->GetStreamState(&state));
  EXPECT_EQ(state.messages, 3u);
}

TEST_F(JetStreamTest, NoJetStreamIsAClearStartupError) {
  EmbeddedServerOptions options;
  options.port = 0;
  options.jetstream = false;
  options.log_file = dir_.File("plain.log");
  EmbeddedServer plain(options);
  ConnectionOptions connection;
  connection.url = plain.url();
  connection.retry_on_failed_connect = false;
  Connection to_plain(connection);
  try {
    JetStreamConsumer consumer(&to_plain, StreamOptions{"S", {"s.>"}, {}, -1},
                               ConsumerOptions{"c", milliseconds(1000), 10});
    FAIL() << "expected a StartupError";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("JetStream"), std::string::npos) << e.what();
  }
}

TEST_F(JetStreamTest, ReplicasAboveOneWithoutAClusterIsAClearStartupError) {
  try {
    JetStreamConsumer consumer(connection_.get(), StreamOptions{"S", {"s.>"}, {}, -1, 3},
                               ConsumerOptions{"c", milliseconds(1000), 10});
    FAIL() << "expected a StartupError";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("service.jetstream.replicas is 3"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace roseyd::bus
