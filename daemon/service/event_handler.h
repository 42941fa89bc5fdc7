#pragma once

#include <cstdint>
#include <string_view>

#include "bus/connection.h"
#include "config/config.h"
#include "service/service_metrics.h"
#include "service/subject.h"
#include "store/clock.h"
#include "store/event_sink.h"

namespace roseyd::service {

// The load generator's trace id from a bus::kTraceHeader value; 0 when the
// header is absent or not a decimal number.
uint64_t ParseTraceId(std::string_view header);

// The path of one event message, whichever intake received it: count it,
// refuse it when oversized, decode and validate it, and submit the write to
// the sink. Each refusal is counted by reason (ServiceMetrics::Rejected);
// events get no reply.
//
// Thread: thread-safe (it touches only the sink, the metrics and the clock,
// which are). *sink, *metrics and *clock must outlive it.
class EventHandler {
 public:
  // `clock` gives the "now" of each event (its rows' time when the payload
  // has none).
  EventHandler(const ServiceConfig& config, store::EventSink* sink, ServiceMetrics* metrics,
               store::Clock* clock = store::RealClock());

  // Handles `message`, which arrived on event subject `subject`.
  // `stream_seq` is its stream sequence under durable intake, 0 on core
  // NATS. Blocks while the sink is full. Returns the sink's sequence for the
  // event, or 0 if it was refused (counted) and nothing was queued.
  // REQUIRES: !IsRequest(subject).
  uint64_t Handle(Subject subject, const bus::Message& message, uint64_t stream_seq);

 private:
  const int64_t max_payload_bytes_;
  store::EventSink* const sink_;
  ServiceMetrics* const metrics_;
  store::Clock* const clock_;
};

}  // namespace roseyd::service
