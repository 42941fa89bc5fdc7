#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "bus/connection.h"

namespace roseyd::bus {

struct StreamState {
  uint64_t first_seq = 0;  // 0 when the stream is empty
  uint64_t last_seq = 0;
  uint64_t messages = 0;
};

// The stream sequence carried by a JetStream acknowledgement subject
// ("$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>...",
// with two more tokens after "$JS.ACK" in the newer form); 0 if it is not one.
uint64_t StreamSequenceOf(std::string_view ack_subject);

// A consumer that delivers one stream's messages in stream order, each with
// an acknowledgement subject as its reply (StreamSequenceOf reads the stream
// sequence from it). JetStreamConsumer is the real one; the durable intake's
// unit tests use a fake.
//
// Thread: Reset and Drain from one thread at a time, never from the handler;
// GetStreamState and AckThrough from any.
class StreamConsumer {
 public:
  virtual ~StreamConsumer() = default;

  // Where the stream begins and ends now.
  virtual Status GetStreamState(StreamState* state) = 0;

  // Stops the current delivery (waiting out a handler call in progress) and
  // delivers again from `start_seq` (1: the whole stream) to `handler`. On
  // failure nothing is delivered until the next successful Reset.
  virtual Status Reset(uint64_t start_seq, MessageHandler handler) = 0;

  // Stops delivery, waiting up to `timeout` for the messages already
  // received to be handled. What was not delivered stays in the stream.
  virtual Status Drain(std::chrono::milliseconds timeout) = 0;

  // Acknowledges the message whose reply subject is `ack_subject`, and so
  // every message delivered before it.
  virtual Status AckThrough(std::string_view ack_subject) = 0;
};

}  // namespace roseyd::bus
