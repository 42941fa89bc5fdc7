#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "bus/connection.h"

struct __natsSubscription;  // NOLINT(bugprone-reserved-identifier): cnats's own name

namespace roseyd::bus {

// An asynchronous subscription (RAII over natsSubscription). The handler runs
// on the subscription's own cnats delivery thread, in arrival order.
//
// Thread: thread-safe. Its Connection must outlive it. Destruction
// unsubscribes and waits until no handler call is running, so whatever the
// handler captures may be destroyed right after.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Limits of messages queued for delivery; beyond them cnats drops and
  // counts (a "slow consumer"). Negative means no limit.
  Status SetPendingLimits(int msgs, int64_t bytes);

  // Stops receiving new messages and waits (up to `timeout`) until the ones
  // already received have been handled. Without a connection to the server
  // (it is gone, roseyd is reconnecting) nothing new can arrive: it waits
  // only for the handler to take what is already here, and the caller then
  // destroys the subscription.
  Status Drain(std::chrono::milliseconds timeout);

  // Messages cnats dropped because the pending limits were reached. Like
  // Pending(), 0 once the subscription is drained (cnats keeps no statistics
  // for a closed subscription): read it before Drain().
  int64_t Dropped() const;
  // Messages waiting for the handler.
  int Pending() const;

 private:
  friend class Connection;
  Subscription(Connection* connection, MessageHandler handler);
  void Start(const std::string& subject, const std::string& queue_group);  // throws StartupError

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roseyd::bus
