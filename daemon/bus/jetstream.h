#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bus/connection.h"
#include "bus/stream_consumer.h"
#include "bus/subscription.h"

struct __jsCtx;  // NOLINT(bugprone-reserved-identifier): cnats's own name

namespace roseyd::bus {

struct StreamOptions {
  std::string name;                   // "ROSEY_DB"
  std::vector<std::string> subjects;  // what the stream captures
  std::chrono::seconds max_age{0};    // 0: no limit
  int64_t max_bytes = -1;             // -1: no limit
  int replicas = 1;                   // copies on a cluster; above 1 needs one
};

struct ConsumerOptions {
  std::string durable;  // "roseyd"
  std::chrono::milliseconds ack_wait{30000};
  // Messages delivered but not yet acknowledged before the server pauses.
  int64_t max_ack_pending = 65536;
};

// Frees a cnats JetStream context (jsCtx_Destroy), for unique_ptr.
struct JetStreamContextDeleter {
  void operator()(__jsCtx* js) const noexcept;
};

// Deletes stream `name` and everything in it; OK if there is none.
Status DeleteStream(Connection* connection, const std::string& name);

// A stream and one durable push consumer on it, delivered in stream order to
// a handler on an ordinary subscription (the deliver subject), so intake runs
// on the same well-worn path as core NATS. The consumer acknowledges with
// AckAll: acknowledging a message acknowledges every one before it, which
// suits a reader that applies the stream in order. Reset() deletes and
// recreates the consumer at a given sequence, so the caller's record of what
// it applied, not the server's, decides where reading resumes.
//
// (A pull consumer would be the textbook choice, but cnats 3.4's Fetch can
// write past its batch array when messages from an earlier pull are still
// queued, which happens around reconnections.)
//
// Thread: as StreamConsumer. The Connection must outlive it.
class JetStreamConsumer : public StreamConsumer {
 public:
  // Creates the stream, or updates its subjects, limits and replica count
  // (JetStream scales a stream's replicas in place). Throws StartupError if
  // JetStream is not available or refuses the stream, e.g. replicas above 1
  // on a server that is not in a cluster.
  JetStreamConsumer(Connection* connection, StreamOptions stream, ConsumerOptions consumer);
  ~JetStreamConsumer() override;

  JetStreamConsumer(const JetStreamConsumer&) = delete;
  JetStreamConsumer& operator=(const JetStreamConsumer&) = delete;

  // StreamConsumer. Reset deletes the durable consumer and creates it again
  // at `start_seq`; Drain leaves it on the server.
  Status GetStreamState(StreamState* state) override;
  Status Reset(uint64_t start_seq, MessageHandler handler) override;
  Status Drain(std::chrono::milliseconds timeout) override;
  Status AckThrough(std::string_view ack_subject) override;

 private:
  Connection* const connection_;
  const StreamOptions stream_;
  const ConsumerOptions consumer_;
  std::unique_ptr<__jsCtx, JetStreamContextDeleter> js_;
  std::unique_ptr<Subscription> subscription_;  // declared after js_: destroyed first
};

// One message for StreamPublisher.
struct StreamMessage {
  std::string subject;
  std::string data;
  std::string msg_id;  // Nats-Msg-Id: the stream stores one id once within its duplicate window
};

// Publishes into a stream with JetStream's acknowledgements, many in flight
// at once (the witness writes back what a stream leader's election lost).
//
// Thread: Publish and WaitForAcks from one thread at a time, Acked from any.
// The Connection must outlive it.
class StreamPublisher {
 public:
  // Throws StartupError if the connection has no JetStream context.
  explicit StreamPublisher(Connection* connection);
  ~StreamPublisher();

  StreamPublisher(const StreamPublisher&) = delete;
  StreamPublisher& operator=(const StreamPublisher&) = delete;

  // Publishes the messages in order without waiting for their acks,
  // stopping at the first that cannot go out (no room among the acks awaited
  // within StallWait: the stream is not answering). Returns how many went:
  // the first that many.
  size_t Publish(const std::vector<StreamMessage>& messages);
  // Waits up to `timeout` for every ack awaited; whether none is left.
  bool WaitForAcks(std::chrono::milliseconds timeout);
  // Messages the stream acknowledged as stored, since construction.
  int64_t Acked() const { return acked_.load(); }

 private:
  std::atomic<int64_t> acked_{0};  // written by cnats's reply thread
  std::unique_ptr<__jsCtx, JetStreamContextDeleter> js_;  // declared last: destroyed first
};

}  // namespace roseyd::bus
