#include "bus/subscription.h"

#include <nats/nats.h>

#include <thread>

#include <spdlog/spdlog.h>

#include "base/mutex.h"
#include "base/startup_error.h"

namespace roseyd::bus {

namespace {

struct MsgDeleter {
  void operator()(natsMsg* m) const noexcept { natsMsg_Destroy(m); }
};
struct SubscriptionDeleter {
  void operator()(natsSubscription* sub) const noexcept { natsSubscription_Destroy(sub); }
};

constexpr std::chrono::seconds kCompletionWait{5};

}  // namespace

struct Subscription::Impl {
  Connection* connection;
  MessageHandler handler;
  std::string subject;
  // Destroyed only once completion has been signalled (see ~Subscription).
  std::unique_ptr<natsSubscription, SubscriptionDeleter> sub;

  Mutex mu;
  CondVar cv{&mu};
  bool completed GUARDED_BY(mu) = false;  // no handler call is running or will run

  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* raw, void* closure) noexcept {
    std::unique_ptr<natsMsg, MsgDeleter> msg(raw);  // the handler owns the message
    auto* self = static_cast<Impl*>(closure);
    const char* reply = natsMsg_GetReply(msg.get());
    // Cheap without headers: cnats returns NOT_FOUND before any parsing.
    const char* trace = nullptr;
    if (natsMsgHeader_Get(msg.get(), kTraceHeader, &trace) != NATS_OK) trace = nullptr;
    const Message view{natsMsg_GetSubject(msg.get()), reply != nullptr ? reply : "",
                       std::string_view(natsMsg_GetData(msg.get()),
                                        static_cast<size_t>(natsMsg_GetDataLength(msg.get()))),
                       trace != nullptr ? trace : ""};
    try {
      self->handler(view);
    } catch (const std::exception& e) {
      spdlog::error("handler for {} threw: {}", self->subject, e.what());
    } catch (...) {
      spdlog::error("handler for {} threw", self->subject);
    }
  }

  static void OnComplete(void* closure) noexcept {
    auto* self = static_cast<Impl*>(closure);
    MutexLock lock(&self->mu);
    self->completed = true;
    self->cv.SignalAll();
  }
};

Subscription::Subscription(Connection* connection, MessageHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->connection = connection;
  impl_->handler = std::move(handler);
}

void Subscription::Start(const std::string& subject, const std::string& queue_group) {
  impl_->subject = subject;
  natsConnection* nc = impl_->connection->nc_.get();
  natsSubscription* raw = nullptr;
  const natsStatus s =
      queue_group.empty()
          ? natsConnection_Subscribe(&raw, nc, subject.c_str(), Impl::OnMessage, impl_.get())
          : natsConnection_QueueSubscribe(&raw, nc, subject.c_str(), queue_group.c_str(),
                                          Impl::OnMessage, impl_.get());
  impl_->sub.reset(raw);
  if (s != NATS_OK) {
    throw StartupError("bus", "cannot subscribe to " + subject + ": " + natsStatus_GetText(s), s);
  }
  // Set before anything can end the subscription, so completion is never missed.
  const natsStatus c =
      natsSubscription_SetOnCompleteCB(impl_->sub.get(), Impl::OnComplete, impl_.get());
  if (c != NATS_OK) {
    throw StartupError("bus", "cannot watch subscription " + subject + ": " + natsStatus_GetText(c),
                       c);
  }
}

Subscription::~Subscription() {
  if (!impl_->sub) return;
  // Unsubscribe fails if the connection is already closed; completion is then
  // already signalled (or never will be: the wait is bounded).
  natsSubscription_Unsubscribe(impl_->sub.get());
  {
    const auto deadline = std::chrono::steady_clock::now() + kCompletionWait;
    MutexLock lock(&impl_->mu);
    while (!impl_->completed && impl_->cv.WaitUntil(deadline)) {
    }
    if (!impl_->completed) {
      spdlog::warn("subscription {} did not complete within {} s", impl_->subject,
                   kCompletionWait.count());
    }
  }
  impl_->sub.reset();  // no callback can reach impl_ any more
}

Status Subscription::SetPendingLimits(int msgs, int64_t bytes) {
  const int byte_limit = bytes > INT32_MAX ? INT32_MAX : static_cast<int>(bytes);
  const natsStatus s = natsSubscription_SetPendingLimits(impl_->sub.get(), msgs, byte_limit);
  if (s != NATS_OK) return Status::InvalidArgument(natsStatus_GetText(s));
  return Status::OK();
}

Status Subscription::Drain(std::chrono::milliseconds timeout) {
  // cnats's drain first flushes, to be sure the server has the UNSUB: with no
  // server that flush spends the whole timeout, and then the drain drops
  // what is still pending. Nothing new comes from a lost connection anyway.
  if (!impl_->connection->IsConnected()) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const int pending = Pending();
    spdlog::info("{}: NATS is not connected; handing over the {} messages already received "
                 "instead of draining",
                 impl_->subject, pending);
    while (Pending() > 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::Unavailable("drain of " + impl_->subject + ": timed out with " +
                                   std::to_string(Pending()) + " messages unhandled");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Status::OK();
  }
  natsStatus s = natsSubscription_DrainTimeout(impl_->sub.get(), timeout.count());
  if (s == NATS_OK) s = natsSubscription_WaitForDrainCompletion(impl_->sub.get(), timeout.count());
  // The wait can succeed although cnats's own drain deadline passed first and
  // it dropped what was still queued; only the completion status says so.
  if (s == NATS_OK) s = natsSubscription_DrainCompletionStatus(impl_->sub.get());
  if (s != NATS_OK) {
    return Status::Unavailable(std::string("drain of ") + impl_->subject + ": " +
                               natsStatus_GetText(s));
  }
  return Status::OK();
}

int64_t Subscription::Dropped() const {
  int64_t dropped = 0;
  if (natsSubscription_GetDropped(impl_->sub.get(), &dropped) != NATS_OK) return 0;
  return dropped;
}

int Subscription::Pending() const {
  int msgs = 0, bytes = 0;
  if (natsSubscription_GetPending(impl_->sub.get(), &msgs, &bytes) != NATS_OK) return 0;
  return msgs;
}

}  // namespace roseyd::bus
