#include "service/commit_ack_publisher.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "bus/connection.h"

namespace roseyd::service {

namespace {

constexpr size_t kMaxIds = 4096;

void AppendIds(std::string* out, std::span<const uint64_t> ids) {
  *out += '[';
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) *out += ',';
    *out += std::to_string(ids[i]);
  }
  *out += ']';
}

}  // namespace

std::string FormatCommitAck(std::span<const uint64_t> committed,
                            std::span<const uint64_t> rejected) {
  std::string out;
  out.reserve(32 + 21 * (committed.size() + rejected.size()));
  out += R"({"trace_ids":)";
  AppendIds(&out, committed);
  out += R"(,"rejected":)";
  AppendIds(&out, rejected);
  out += '}';
  return out;
}

CommitAckPublisher::CommitAckPublisher(bus::Connection* connection, std::string subject)
    : connection_(connection), subject_(std::move(subject)), thread_([this] { PublishLoop(); }) {}

CommitAckPublisher::~CommitAckPublisher() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    cv_.Signal();
  }
  thread_.join();
}

void CommitAckPublisher::OnCommitted(std::span<const store::Event> batch,
                                     std::chrono::nanoseconds) noexcept {
  bool any = false;
  MutexLock lock(&mu_);
  for (const store::Event& event : batch) {
    if (event.trace_id == 0) continue;
    committed_.push_back(event.trace_id);  // amortised: the vector keeps its capacity
    any = true;
  }
  if (any) cv_.Signal();
}

void CommitAckPublisher::OnRejected(const store::Event& event, const Status&) noexcept {
  if (event.trace_id == 0) return;
  MutexLock lock(&mu_);
  rejected_.push_back(event.trace_id);
  cv_.Signal();
}

uint64_t CommitAckPublisher::Failures() const {
  MutexLock lock(&mu_);
  return failures_;
}

void CommitAckPublisher::PublishLoop() {
  std::vector<uint64_t> committed, rejected;
  for (;;) {
    bool stopping = false;
    {
      MutexLock lock(&mu_);
      while (committed_.empty() && rejected_.empty() && !stopping_) cv_.Wait();
      // Swap, so both sides keep reusing their buffers' capacity.
      committed.swap(committed_);
      rejected.swap(rejected_);
      stopping = stopping_;
    }
    // In messages of at most kMaxIds ids (about 90 KB), well under NATS's
    // max_payload however far behind the publisher fell.
    std::span<const uint64_t> c(committed), r(rejected);
    while (!c.empty() || !r.empty()) {
      const size_t nc = std::min(c.size(), kMaxIds);
      const size_t nr = std::min(r.size(), kMaxIds - nc);
      // The connection sends at once (send_asap): the ack leaves now, not
      // after cnats's flusher delay, which would add about 1 ms to every
      // latency the load generator measures through it.
      const Status s = connection_->Publish(subject_, FormatCommitAck(c.first(nc), r.first(nr)));
      if (!s.ok()) {
        MutexLock lock(&mu_);
        if (failures_++ == 0) {
          spdlog::warn("commit acknowledgements on {}: {} (further failures only counted)",
                       subject_, s.ToString());
        }
      }
      c = c.subspan(nc);
      r = r.subspan(nr);
    }
    committed.clear();
    rejected.clear();
    if (stopping) {
      MutexLock lock(&mu_);
      if (committed_.empty() && rejected_.empty()) return;
    }
  }
}

}  // namespace roseyd::service
