#pragma once

#include <chrono>
#include <cstdint>

namespace roseyd::service {

// Where messages come in from NATS and are handed over: events to the
// EventSink (through the EventHandler), requests to the RequestService. Two
// kinds: CoreIntake (core NATS subscriptions) and StreamIntake (the events of
// a JetStream stream, service.durability: jetstream).
//
// Thread: Start, Stop and Tick from the owning thread; ReadArrived from the
// delivery threads; RequestBarrier from the request workers, concurrently.
class Intake {
 public:
  virtual ~Intake() = default;

  // Starts receiving. Throws StartupError.
  virtual void Start() = 0;

  // Stops receiving and waits, up to `timeout`, until every message already
  // received has been handed over; what was not is logged. Idempotent.
  virtual void Stop(std::chrono::milliseconds timeout) = 0;

  // Read-your-writes, in two steps. ReadArrived: a read was accepted at
  // `arrived`, so whatever the barrier needs to ask may be asked now,
  // while the read waits for a worker; must not block.
  virtual void ReadArrived(std::chrono::steady_clock::time_point /*arrived*/) {}
  // The sink sequence that must commit before a read is answered, so that
  // it sees every event that reached roseyd before it. `arrival_seq` is the
  // sink's LastSubmitted when the read was handed over, at `arrived`. May
  // wait for intake, but not past `deadline`.
  virtual uint64_t RequestBarrier(uint64_t arrival_seq,
                                  std::chrono::steady_clock::time_point arrived,
                                  std::chrono::steady_clock::time_point deadline) = 0;

  // Refreshes what intake reports periodically (NATS drops). Call about once
  // a second.
  virtual void Tick() = 0;
};

}  // namespace roseyd::service
