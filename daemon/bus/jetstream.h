#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bus/connection.h"
#include "bus/subscription.h"

struct __jsCtx;  // NOLINT(bugprone-reserved-identifier): cnats's own name

namespace roseyd::bus {

struct StreamOptions {
  std::string name;                   // "ROSEY_DB"
  std::vector<std::string> subjects;  // what the stream captures
  std::chrono::seconds max_age{0};    // 0: no limit
  int64_t max_bytes = -1;             // -1: no limit
};

struct ConsumerOptions {
  std::string durable;  // "roseyd"
  std::chrono::milliseconds ack_wait{30000};
  // Messages delivered but not yet acknowledged before the server pauses.
  int64_t max_ack_pending = 65536;
};

struct StreamState {
  uint64_t first_seq = 0;  // 0 when the stream is empty
  uint64_t last_seq = 0;
  uint64_t messages = 0;
};

// The stream sequence carried by a JetStream acknowledgement subject
// ("$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>...",
// with two more tokens after "$JS.ACK" in the newer form); 0 if it is not one.
uint64_t StreamSequenceOf(std::string_view ack_subject);

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
// Thread: Reset and Drain from one thread at a time, never from the handler;
// AckThrough from any. The Connection must outlive it.
class JetStreamConsumer {
 public:
  // Creates the stream, or updates its subjects and limits. Throws
  // StartupError if JetStream is not available or refuses the stream.
  JetStreamConsumer(Connection* connection, StreamOptions stream, ConsumerOptions consumer);
  ~JetStreamConsumer();

  JetStreamConsumer(const JetStreamConsumer&) = delete;
  JetStreamConsumer& operator=(const JetStreamConsumer&) = delete;

  Status GetStreamState(StreamState* state);

  // Stops the current delivery (waiting out a handler call in progress),
  // recreates the consumer so that it delivers from `start_seq` (1: the whole
  // stream) and hands every message to `handler`.
  Status Reset(uint64_t start_seq, MessageHandler handler);

  // Stops delivery, waiting up to `timeout` for the messages already
  // received to be handled. The consumer stays on the server.
  Status Drain(std::chrono::milliseconds timeout);

  // Acknowledges the message whose reply subject is `ack_subject`, and so
  // every message delivered before it.
  Status AckThrough(std::string_view ack_subject);

 private:
  Connection* const connection_;
  const StreamOptions stream_;
  const ConsumerOptions consumer_;
  __jsCtx* js_ = nullptr;
  std::unique_ptr<Subscription> subscription_;
};

}  // namespace roseyd::bus
