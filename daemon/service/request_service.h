#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "bus/connection.h"
#include "config/config.h"
#include "service/intake.h"
#include "service/request_family.h"
#include "service/request_registry.h"
#include "service/service_metrics.h"
#include "store/event_sink.h"
#include "store/store.h"

namespace roseyd::service {

// Answers requests: a registry of request families (subject -> family), a
// bounded queue and a pool of workers, each with its own read connection.
// Intake hands each request over with Accept, in arrival order. A read
// waits until the events received before it have committed (the barrier
// the Intake gives, then EventSink::WaitCommitted, capped at the route's
// timeout after arrival), asks the family for the reply and publishes it.
// A write (RequestRoute::write) is decoded by its family in Accept and its
// write submitted to the sink right there, in order with the events; its
// worker waits for that write's commit, then the family replies from its
// outcome. Reads beyond the queue's bound are refused at once with
// "Service overloaded", however many writes wait for their commits:
// the bot's own timeouts (1-2 s) make a longer queue pointless. A write is
// held back by the sink instead (Submit blocks while it is full), as events
// are.
//
class RequestService {
 public:
  RequestService(const Config& config, bus::Connection* connection, store::EventSink* sink,
                 ServiceMetrics* metrics);
  ~RequestService();  // Stop()

  RequestService(const RequestService&) = delete;
  RequestService& operator=(const RequestService&) = delete;

  // Adds a family and claims its subjects. Throws StartupError if a claim
  // overlaps another or an event subject. REQUIRES: before Start.
  void Register(std::unique_ptr<RequestFamily> family);

  // Every claimed subject ("rosey.db.query.user_stats", "rosey.db.row.*.search"),
  // for intakes that subscribe to requests alone.
  // With `reads_only`, the subjects of read routes alone (a roseyd that
  // does not write answers those).
  std::vector<std::string> Subjects(bool reads_only = false) const;

  // Opens one read side of *store per worker (service.request_workers) and
  // starts the workers. Throws StartupError if the database cannot be read.
  // REQUIRES: *intake outlives Stop(); *store may go once Start returns.
  void Start(Intake* intake, store::Store* store);

  // Takes a request from intake. Returns false, doing nothing, when no family
  // claims message.subject. Otherwise queues it (a write route's write
  // submitted first: this may block while the sink is full), or refuses it
  // at once (with the family's error reply when it has a reply subject): a
  // read without a reply subject, larger than the route's payload limit, a
  // read when the queue is full, or stopping. `arrival_seq` is the sink's LastSubmitted when
  // it arrived.
  bool Accept(const bus::Message& message, uint64_t arrival_seq);

  // Answers the queued requests, then joins the workers; Accept refuses from
  // then on. A request's read-your-writes wait ends at `answer_by` at the
  // latest (a stop does not wait for commits that may never come).
  // Idempotent.
  void Stop(std::chrono::steady_clock::time_point answer_by =
                std::chrono::steady_clock::time_point::max());

  // Refreshes the request queue gauge. Call about once a second.
  void Tick();

 private:
  struct Pending {
    std::size_t route;  // index in registry_.entries()
    std::string wildcard;  // the value of the route's "*" token, if it has one
    std::string reply_to;  // empty: a write published without one
    std::string payload;
    uint64_t arrival_seq;
    int64_t unix_time;
    std::chrono::steady_clock::time_point received;
    // Write routes: the sequence of the submitted write (0: none) and the
    // write itself; or the answer Admit gave instead.
    uint64_t write_seq = 0;
    std::optional<store::Write> write{};
    std::optional<RequestOutcome> answer{};
  };

  // The family's Admit on a write request; submits its write.
  void Admit(const RequestRegistry::Entry& entry, Pending* request);
  // The commits `request` must see before its reply.
  uint64_t Barrier(const Pending& request, std::chrono::steady_clock::time_point deadline);
  void RunWorker(store::Reader* reader);
  // Answers `request`, waiting for its earlier events until `answer_by` at most.
  void Answer(const Pending& request, std::chrono::steady_clock::time_point answer_by,
              store::Reader* reader);
  void Reply(const std::string& reply_to, std::string_view label, const std::string& payload);

  // Constant after Start.
  const Config config_;
  bus::Connection* const connection_;
  store::EventSink* const sink_;
  ServiceMetrics* const metrics_;
  const std::size_t capacity_;
  std::vector<std::unique_ptr<RequestFamily>> families_;
  RequestRegistry registry_;
  std::vector<ServiceMetrics::RequestMetrics> route_metrics_;  // by route index
  Intake* intake_ = nullptr;

  std::vector<std::unique_ptr<store::Reader>> readers_;  // one per worker; from Start

  Mutex mu_;
  CondVar queued_cv_{&mu_};
  CondVar exited_cv_{&mu_};
  int running_workers_ GUARDED_BY(mu_) = 0;
  std::deque<Pending> queue_ GUARDED_BY(mu_);
  // Reads in queue_: the bound applies to them (writes wait in the sink).
  std::size_t queued_reads_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point answer_by_ GUARDED_BY(mu_) =
      std::chrono::steady_clock::time_point::max();

  std::vector<std::thread> workers_;  // owning thread only
};

}  // namespace roseyd::service
