#include "writer/event_writer.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <spdlog/spdlog.h>

#include "base/mutex.h"
#include "base/startup_error.h"
#include "writer/event_queue.h"
#include "writer/housekeeping.h"
#include "writer/pending_events.h"
#include "writer/writer_log.h"

namespace roseyd::store {
namespace {

using Duration = std::chrono::steady_clock::duration;
using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{50};
constexpr milliseconds kMaxBackoff{5000};
// After Stop() a failing batch is retried at least this often until the stop
// deadline: the lock that made it fail may go any moment.
constexpr milliseconds kBackoffAfterStop{100};

class NullListener : public CommitListener {
 public:
  void OnCommitted(std::span<const Event>, std::chrono::nanoseconds) noexcept override {}
  void OnRejected(const Event&, const Status&) noexcept override {}
  void OnWriteError(const Status&) noexcept override {}
};

}  // namespace

class EventWriter::Impl {
 public:
  Impl(std::unique_ptr<StoreWriter> store, const StoreConfig& config, CommitListener* listener,
       Clock* clock);

  size_t KeepPendingIn(const std::string& path);
  ClaimView Claim() const { return store_->Claim(); }  // thread-safe (StoreWriter)
  bool CheckStall() { return log_.Check(queue_.Depth()); }
  void Start();
  void BeginStop();
  std::chrono::steady_clock::time_point StopDeadline() const;
  void Stop();
  Status Submit(Event event, uint64_t* seq);
  uint64_t LastCommitted() const;
  uint64_t StreamPosition() const { return last_stream_seq_.load(std::memory_order_acquire); }
  Status WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline, bool hurry);
  const EventQueue& queue() const { return queue_; }

 private:
  void Run();
  void CollectBatch();
  bool CommitBatch();  // false: gave up at shutdown
  void Publish(std::chrono::nanoseconds duration);
  // Sleeps up to `d` after a failed batch at a stop; Stop() giving up cuts it short.
  void PauseAfterStop(Duration d);
  bool GaveUp() const;
  // At a stop that could not commit everything: writes what is left (the
  // batch less its rejected events, then the queue) to the pending file.
  void KeepWhatIsLeft(const Status& why);
  // Waits up to `d` before retrying a failed batch (Stop() cuts it short),
  // keeping a shared store's claim alive meanwhile.
  void PauseBeforeRetry(Duration d);

  // Constant after construction.
  const StoreConfig config_;
  CommitListener* const listener_;
  Clock* const clock_;

  EventQueue queue_;  // thread-safe

  // Confined to the writer thread (the constructor and Stop() run before it
  // starts and after it ends).
  std::unique_ptr<StoreWriter> store_;
  std::vector<Event> batch_;
  std::vector<RefusedEvent> rejections_;  // of batch_, kept across its retries
  std::vector<char> rejected_;         // parallel to batch_, built by Publish
  std::vector<Event> accepted_;
  // Set by KeepPendingIn before the thread starts, then the writer's: where
  // to keep what a stop leaves, and the last queued event that came from it
  // (0 once they all committed, or if none).
  std::string pending_path_;
  uint64_t pending_last_seq_ = 0;
  size_t pending_count_ = 0;

  mutable Mutex mu_;
  CondVar committed_cv_{&mu_};  // also: the writer exited, or Stop() gave up
  uint64_t last_committed_ GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> last_stream_seq_{0};  // written by the writer thread only
  bool writer_exited_ GUARDED_BY(mu_) = false;
  // Stop()'s deadline passed: keep what is left instead of retrying.
  bool give_up_ GUARDED_BY(mu_) = false;

  WriterLog log_;  // the writer thread marks its work; CheckStall reads it
  Housekeeping housekeeping_;  // the writer thread's, between batches

  mutable Mutex lifecycle_mu_;  // serialises Start/BeginStop/Stop
  std::thread thread_ GUARDED_BY(lifecycle_mu_);
  bool stopped_ GUARDED_BY(lifecycle_mu_) = false;
  std::optional<std::chrono::steady_clock::time_point> stop_deadline_ GUARDED_BY(lifecycle_mu_);
};

EventWriter::Impl::Impl(std::unique_ptr<StoreWriter> store, const StoreConfig& config,
                        CommitListener* listener, Clock* clock)
    : config_(config),
      listener_(listener),
      clock_(clock),
      queue_(config.write_queue_capacity, clock),
      store_(std::move(store)),
      log_(clock),
      housekeeping_(store_.get(), config, clock, &log_, listener) {
  last_stream_seq_.store(store_->StreamPosition(), std::memory_order_release);
}

size_t EventWriter::Impl::KeepPendingIn(const std::string& path) {
  std::vector<Event> events;
  if (const Status s = ReadPendingEvents(path, &events); !s.ok()) {
    throw StartupError("store", s.message() + "; it holds events a stop could not commit: "
                                              "move it away to start without them");
  }
  pending_path_ = path;
  pending_count_ = events.size();
  for (Event& event : events) {
    event.received = std::chrono::steady_clock::now();
    if (const Status s = queue_.PushPastCapacity(std::move(event), &pending_last_seq_); !s.ok()) {
      throw StartupError("store", "cannot queue the events of " + path + ": " + s.ToString());
    }
  }
  if (pending_count_ > 0) {
    spdlog::warn("store: committing first the {} events the last stop kept in {}", pending_count_,
                 path);
  }
  return pending_count_;
}

void EventWriter::Impl::Start() {
  MutexLock lock(&lifecycle_mu_);
  if (!thread_.joinable() && !stopped_) thread_ = std::thread([this] { Run(); });
}

void EventWriter::Impl::BeginStop() {
  MutexLock lock(&lifecycle_mu_);
  if (stop_deadline_) return;
  stop_deadline_ = std::chrono::steady_clock::now() + config_.stop_timeout;
  queue_.Unbound();
}

std::chrono::steady_clock::time_point EventWriter::Impl::StopDeadline() const {
  MutexLock lock(&lifecycle_mu_);
  return stop_deadline_.value_or(std::chrono::steady_clock::time_point::max());
}

void EventWriter::Impl::Stop() {
  BeginStop();
  MutexLock lock(&lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  queue_.Close();
  // Never started: run the drain and the session close here instead.
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  bool gave_up = false;
  {
    MutexLock exit_lock(&mu_);
    while (!writer_exited_ && committed_cv_.WaitUntil(*stop_deadline_)) {
    }
    if (!writer_exited_) {
      give_up_ = gave_up = true;
      committed_cv_.SignalAll();
    }
  }
  // Cuts short a wait for a lock (or a long statement) on the writer thread.
  if (gave_up) store_->Interrupt();
  thread_.join();
}

// `received` stays on the steady clock: listeners measure latency from it
// against their own std::chrono::steady_clock::now().
Status EventWriter::Impl::Submit(Event event, uint64_t* seq) {
  if (event.unix_time == 0) event.unix_time = clock_->UnixNow();
  if (event.received == std::chrono::steady_clock::time_point{}) {
    event.received = std::chrono::steady_clock::now();
  }
  return queue_.Push(std::move(event), seq);
}

uint64_t EventWriter::Impl::LastCommitted() const {
  MutexLock lock(&mu_);
  return last_committed_;
}

Status EventWriter::Impl::WaitCommitted(uint64_t seq,
                                        std::chrono::steady_clock::time_point deadline,
                                        bool hurry) {
  if (LastCommitted() >= seq) return Status::OK();
  if (hurry) queue_.RequestUrgent(seq);
  MutexLock lock(&mu_);
  while (last_committed_ < seq) {
    if (writer_exited_) return Status::Unavailable("the event writer stopped");
    if (!committed_cv_.WaitUntil(deadline) && last_committed_ < seq) {
      return Status::Unavailable("timed out waiting for event " + std::to_string(seq) +
                                 " to commit");
    }
  }
  return Status::OK();
}

void EventWriter::Impl::Run() {
  for (;;) {
    if (!queue_.closed()) housekeeping_.RunDue();
    if (!queue_.WaitForEvent(housekeeping_.NextDue())) {
      if (queue_.closed()) break;
      continue;  // a timer is due
    }
    CollectBatch();
    if (GaveUp()) {  // healthy but behind: what is left waits for the next start
      KeepWhatIsLeft(Status::Unavailable("the stop deadline passed first"));
      break;
    }
    if (!CommitBatch()) break;
  }
  if (store_->Claim().lost) {
    spdlog::info("store: open user sessions are left to the roseyd that writes now");
  } else if (store_->SuccessorWaiting()) {
    spdlog::info("store: open user sessions are left to the roseyd that writes next (another "
                 "waits for the writer's claim)");
  } else if (const Status s = store_->CloseSessions(clock_->UnixNow()); !s.ok()) {
    listener_->OnWriteError(s);
    spdlog::error("store: closing the open user sessions failed, so they stay open in the "
                  "database: {}",
                  s.ToString());
  }
  MutexLock lock(&mu_);
  writer_exited_ = true;
  committed_cv_.SignalAll();
}

// Group commit: take what is queued, up to batch_max_events. A lone event
// (nothing else was waiting) commits at once, so a quiet channel pays no
// delay. Once a burst shows (two or more events were waiting), the writer
// lingers up to batch_max_delay after the first for more, as PostgreSQL's
// commit_delay does only when other commits are in flight; a waiter that
// needs an event already pushed (WaitCommitted) cuts the linger short.
void EventWriter::Impl::CollectBatch() {
  batch_.clear();
  const size_t max = static_cast<size_t>(std::max(config_.batch_max_events, 1));
  queue_.PopInto(max, &batch_);
  if (batch_.size() < 2 || batch_.size() >= max || config_.batch_max_delay.count() <= 0) return;
  // Sleep until the rest of the batch is queued (or the deadline, or an
  // urgent waiter), then take it in one go.
  queue_.WaitForMore(max - batch_.size(), clock_->Now() + config_.batch_max_delay);
  queue_.PopInto(max - batch_.size(), &batch_);
}

bool EventWriter::Impl::CommitBatch() {
  rejections_.clear();
  size_t reported = 0;
  Duration backoff = kFirstBackoff;
  log_.Begin("committing a batch", batch_.size());
  for (;;) {
    const auto started = clock_->Now();
    const Status s = store_->ApplyBatch(batch_, &rejections_);
    const auto duration = clock_->Now() - started;
    // A refused event is reported once, when found; retries skip it.
    for (; reported < rejections_.size(); ++reported) {
      listener_->OnRejected(batch_[rejections_[reported].index], rejections_[reported].why);
    }
    if (s.ok()) {
      last_stream_seq_.store(store_->StreamPosition(), std::memory_order_release);
      log_.End();
      Publish(duration);
      return true;
    }
    listener_->OnWriteError(s);
    // A writer fenced off (it lost the store's claim) will never commit:
    // once stopping, keep what is left at once instead of retrying.
    const bool lost = store_->Claim().lost;
    if (GaveUp() || (queue_.closed() && lost)) {
      log_.End(/*ended=*/false);
      KeepWhatIsLeft(s);
      return false;
    }
    if (!lost) {
      log_.BatchFailed(s);
    } else {
      // Said once, at error level, by whoever found the claim gone; the
      // owner stops this writer, and the stop says what became of the batch.
      spdlog::debug("store: a batch did not commit: this roseyd lost the writer's claim: {}",
                    s.ToString());
    }
    if (queue_.closed()) {
      PauseAfterStop(std::min<Duration>(backoff, kBackoffAfterStop));
    } else {
      PauseBeforeRetry(backoff);
    }
    backoff = std::min<Duration>(backoff * 2, kMaxBackoff);
  }
}

bool EventWriter::Impl::GaveUp() const {
  MutexLock lock(&mu_);
  return give_up_;
}

// On the steady clock, not the injected one: the stop deadline is real time.
void EventWriter::Impl::PauseAfterStop(Duration d) {
  const auto until = std::chrono::steady_clock::now() + d;
  MutexLock lock(&mu_);
  while (!give_up_ && committed_cv_.WaitUntil(until)) {
  }
}

void EventWriter::Impl::KeepWhatIsLeft(const Status& why) {
  std::vector<Event> left;
  size_t skipped_stream = 0;
  rejected_.assign(batch_.size(), 0);
  for (const RefusedEvent& r : rejections_) rejected_[r.index] = 1;
  size_t unanswered_plugin_writes = 0;
  const auto keep = [&](Event& event) {
    // A stream event was never acknowledged: the stream delivers it again.
    if (event.stream_seq != 0) {
      ++skipped_stream;
    } else if (std::holds_alternative<std::shared_ptr<PluginWrite>>(event.write)) {
      // A request: its requester is answered "Write not committed in time"
      // and may retry; applying it at the next start would contradict that.
      ++unanswered_plugin_writes;
    } else {
      left.push_back(std::move(event));
    }
  };
  for (size_t i = 0; i < batch_.size(); ++i) {
    if (!rejected_[i]) keep(batch_[i]);
  }
  std::vector<Event> queued;
  queue_.PopInto(SIZE_MAX, &queued);
  for (Event& event : queued) keep(event);
  if (skipped_stream > 0) {
    spdlog::warn("store: {} stream events did not commit before the stop; the stream keeps "
                 "them for the next start",
                 skipped_stream);
  }
  if (unanswered_plugin_writes > 0) {
    spdlog::warn("store: {} plugin storage writes did not commit before the stop; their "
                 "requesters are told so and none of them is applied",
                 unanswered_plugin_writes);
  }
  if (left.empty() && pending_last_seq_ == 0) return;
  if (pending_path_.empty()) {
    spdlog::error("store: {} received events could not commit before the stop and are lost: {}",
                  left.size(), why.ToString());
    return;
  }
  if (const Status s = WritePendingEvents(pending_path_, left); !s.ok()) {
    spdlog::error("store: {} received events could not commit before the stop ({}), and "
                  "keeping them failed, so they are lost: {}",
                  left.size(), why.ToString(), s.ToString());
    return;
  }
  spdlog::warn("store: {} received events could not commit within store.stop_timeout ({} ms): "
               "{}; kept in {}, committed first at the next start",
               left.size(), config_.stop_timeout.count(), why.ToString(), pending_path_);
}

void EventWriter::Impl::Publish(std::chrono::nanoseconds duration) {
  const uint64_t last = batch_.back().seq;
  std::span<const Event> durable = batch_;
  if (!rejections_.empty()) {
    rejected_.assign(batch_.size(), 0);
    for (const RefusedEvent& r : rejections_) rejected_[r.index] = 1;
    accepted_.clear();
    for (size_t i = 0; i < batch_.size(); ++i) {
      if (!rejected_[i]) accepted_.push_back(std::move(batch_[i]));
    }
    durable = accepted_;
  }
  // The listener hears first, so whoever WaitCommitted() releases sees the
  // listener's view (metrics, acks) already up to date.
  if (!durable.empty()) listener_->OnCommitted(durable, duration);
  accepted_.clear();
  {
    MutexLock lock(&mu_);
    last_committed_ = last;
    committed_cv_.SignalAll();
  }
  queue_.ClearUrgent(last);
  if (pending_last_seq_ != 0 && last >= pending_last_seq_) {
    pending_last_seq_ = 0;
    if (const Status s = WritePendingEvents(pending_path_, {}); !s.ok()) {
      spdlog::error("store: the {} events from {} are committed, but the file stays: {}; remove "
                    "it before the next start, or they are written twice",
                    pending_count_, pending_path_, s.ToString());
    } else {
      spdlog::info("store: the {} events the last stop kept are committed; removed {}",
                   pending_count_, pending_path_);
    }
  }
}

// A shared store's other roseyd would take a writer silent for long for a
// hung one, so a long pause goes in heartbeat-sized slices.
void EventWriter::Impl::PauseBeforeRetry(Duration d) {
  const auto until = clock_->Now() + d;
  for (;;) {
    const auto slice = std::min(until, housekeeping_.next_heartbeat());
    if (queue_.WaitForClose(slice) || clock_->Now() >= until) return;
    housekeeping_.Heartbeat();
  }
}

EventWriter::EventWriter(std::unique_ptr<StoreWriter> store, const StoreConfig& config,
                         CommitListener* listener, Clock* clock) {
  static NullListener null_listener;
  impl_ =
      std::make_unique<Impl>(std::move(store), config, listener ? listener : &null_listener, clock);
}

EventWriter::~EventWriter() { impl_->Stop(); }

size_t EventWriter::KeepPendingIn(const std::string& path) { return impl_->KeepPendingIn(path); }

ClaimView EventWriter::Claim() const { return impl_->Claim(); }

bool EventWriter::CheckStall() { return impl_->CheckStall(); }

void EventWriter::Start() { impl_->Start(); }

void EventWriter::BeginStop() { impl_->BeginStop(); }

std::chrono::steady_clock::time_point EventWriter::StopDeadline() const {
  return impl_->StopDeadline();
}

Status EventWriter::Submit(Event event, uint64_t* seq) {
  return impl_->Submit(std::move(event), seq);
}

uint64_t EventWriter::LastSubmitted() const { return impl_->queue().LastAssigned(); }

uint64_t EventWriter::LastCommitted() const { return impl_->LastCommitted(); }
uint64_t EventWriter::StreamPosition() const { return impl_->StreamPosition(); }

Status EventWriter::WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline) {
  return impl_->WaitCommitted(seq, deadline, /*hurry=*/true);
}

Status EventWriter::WaitCommittedInBatch(uint64_t seq,
                                         std::chrono::steady_clock::time_point deadline) {
  return impl_->WaitCommitted(seq, deadline, /*hurry=*/false);
}

void EventWriter::Stop() { impl_->Stop(); }

size_t EventWriter::QueueDepth() const { return impl_->queue().Depth(); }

}  // namespace roseyd::store
