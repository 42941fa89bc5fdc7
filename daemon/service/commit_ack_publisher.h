#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "writer/event_writer.h"

namespace roseyd::bus {
class Connection;
}

namespace roseyd::service {

// The commit acknowledgement (service.commit_ack_subject): one JSON object
//   {"trace_ids":[<id>,...],"rejected":[<id>,...]}
// where trace_ids are the trace ids (bus::kTraceHeader) of events whose rows
// are committed and rejected those of events the store refused (they will
// never commit). Ids are decimal uint64, each acknowledged once, in commit
// order; both arrays are always present, at least one is non-empty.
std::string FormatCommitAck(std::span<const uint64_t> committed,
                            std::span<const uint64_t> rejected);

// Publishes commit acknowledgements for traced events, so a load generator
// in another process can follow each event to the commit of its row. Only
// events with a trace id count; nothing is published for batches without
// one, so a bot's traffic costs a branch per event.
//
// The writer thread only appends ids and signals; a publisher thread of its
// own formats and publishes, so a slow socket never holds up a commit. A
// message normally covers one batch; when the publisher falls behind it
// covers every batch committed since its last message, at most 4096 ids a
// message (well under NATS's max_payload).
//
// Thread: the CommitListener calls on the writer thread; construction and
// destruction on the owning thread. *connection must outlive it.
class CommitAckPublisher : public store::CommitListener {
 public:
  // Starts the publisher thread.
  CommitAckPublisher(bus::Connection* connection, std::string subject);
  // Publishes what is pending, then joins the thread.
  ~CommitAckPublisher() override;

  CommitAckPublisher(const CommitAckPublisher&) = delete;
  CommitAckPublisher& operator=(const CommitAckPublisher&) = delete;

  void OnCommitted(std::span<const store::Event> batch,
                   std::chrono::nanoseconds commit_duration) noexcept override;
  void OnRejected(const store::Event& event, const Status& why) noexcept override;
  void OnWriteError(const Status&) noexcept override {}

  // Publishes that failed (the connection was closed); the first is logged.
  uint64_t Failures() const;

 private:
  void PublishLoop();

  bus::Connection* const connection_;
  const std::string subject_;

  mutable Mutex mu_;
  CondVar cv_{&mu_};
  std::vector<uint64_t> committed_ GUARDED_BY(mu_);
  std::vector<uint64_t> rejected_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  uint64_t failures_ GUARDED_BY(mu_) = 0;

  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace roseyd::service
