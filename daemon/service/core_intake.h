#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bus/connection.h"
#include "bus/subscription.h"
#include "config/config.h"
#include "service/event_handler.h"
#include "service/intake.h"
#include "service/request_service.h"
#include "service/service_metrics.h"
#include "store/event_sink.h"

namespace roseyd::service {

// Core NATS intake: subscriptions in the queue group, each delivering on one
// cnats thread in arrival order. An event subject goes through the
// EventHandler; anything else to the RequestService, stamped with the sink's
// LastSubmitted at that moment. roseyd on core NATS makes one subscription,
// to "<prefix>.>", so events and requests of every subject arrive in one
// order: the stamp is then exactly the events that reached roseyd before the
// request (read-your-writes across subjects). Under durable intake a
// CoreIntake on the request subjects alone takes the requests, and the
// StreamIntake gives their barrier. A message on a subject nobody claims is
// counted; with a reply subject it is answered with the protocol's error
// reply, so the client need not time out.
//
// Thread: as Intake; the handler runs on cnats delivery threads.
// *connection, *events, *requests, *sink and *metrics must outlive it.
class CoreIntake : public Intake {
 public:
  CoreIntake(const Config& config, std::vector<std::string> subjects,
             bus::Connection* connection, EventHandler* events, RequestService* requests,
             store::EventSink* sink, ServiceMetrics* metrics);
  ~CoreIntake() override = default;  // unsubscribes, without draining

  CoreIntake(const CoreIntake&) = delete;
  CoreIntake& operator=(const CoreIntake&) = delete;

  // Intake. Start subscribes each subject with nats.pending_* limits. Stop
  // drains the subscriptions. The barrier is the arrival stamp itself.
  void Start() override;
  void Stop(std::chrono::milliseconds timeout) override;
  // Nothing to ask: a read sees what arrived before it (`arrival_seq`).
  uint64_t RequestBarrier(uint64_t arrival_seq, std::chrono::steady_clock::time_point /*arrived*/,
                          std::chrono::steady_clock::time_point /*deadline*/) override {
    return arrival_seq;
  }
  void Tick() override;

 private:
  void OnMessage(const bus::Message& message) noexcept;
  void RefuseUnknownSubject(const bus::Message& message);

  // Constant after construction.
  const Config config_;
  const std::vector<std::string> subjects_;
  bus::Connection* const connection_;
  EventHandler* const events_;
  RequestService* const requests_;
  store::EventSink* const sink_;
  ServiceMetrics* const metrics_;

  // Owning thread only.
  std::vector<std::unique_ptr<bus::Subscription>> subscriptions_;
  int64_t dropped_seen_ = 0;
};

}  // namespace roseyd::service
