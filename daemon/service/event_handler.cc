#include "service/event_handler.h"

#include <charconv>
#include <chrono>
#include <string>

#include "service/payload_decoder.h"

namespace roseyd::service {

uint64_t ParseTraceId(std::string_view header) {
  uint64_t id = 0;
  const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), id);
  return ec == std::errc() && end == header.data() + header.size() ? id : 0;
}

EventHandler::EventHandler(const ServiceConfig& config, store::EventSink* sink,
                           ServiceMetrics* metrics, store::Clock* clock)
    : max_payload_bytes_(config.max_payload_bytes), sink_(sink), metrics_(metrics), clock_(clock) {}

uint64_t EventHandler::Handle(Subject subject, const bus::Message& message, uint64_t stream_seq) {
  metrics_->EventReceived(subject);
  if (static_cast<int64_t>(message.data.size()) > max_payload_bytes_) {
    metrics_->Rejected(subject, Rejection{RejectReason::kOversized,
                                          std::to_string(message.data.size()) + " bytes"});
    return 0;
  }
  const int64_t now = clock_->UnixNow();
  auto decoded = DecodeEvent(subject, message.data, now);
  if (auto* rejection = std::get_if<Rejection>(&decoded)) {
    metrics_->Rejected(subject, *rejection);
    return 0;
  }
  auto& event = std::get<DecodedEvent>(decoded);
  for (const auto& key : event.ignored_status_keys) metrics_->StatusKeyIgnored(key);
  store::Event queued{std::move(event.write), now, std::chrono::steady_clock::now(), 0,
                      ParseTraceId(message.trace), stream_seq};
  uint64_t seq = 0;
  if (const Status s = sink_->Submit(std::move(queued), &seq); !s.ok()) {
    metrics_->Rejected(subject, Rejection{RejectReason::kShuttingDown, s.ToString()});
    return 0;
  }
  return seq;
}

}  // namespace roseyd::service
