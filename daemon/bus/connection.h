#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/redact_url.h"
#include "base/status.h"

struct __natsConnection;  // NOLINT(bugprone-reserved-identifier): cnats's own name

namespace roseyd::bus {
struct CallbackContext;
}

namespace roseyd::bus {

class Subscription;

// A received message: views into the library's buffer, valid only during the
// handler call. `reply` is empty for fire-and-forget publishes.
struct Message {
  std::string_view subject;
  std::string_view reply;
  std::string_view data;
  std::string_view trace;  // the kTraceHeader value, empty when absent
};

// A header the load generator sets to follow one event to its commit.
inline constexpr const char* kTraceHeader = "Roseyd-Trace";

// Called on a cnats delivery thread, one message at a time per Subscription.
// Must not throw.
using MessageHandler = std::function<void(const Message&)>;

// Connection state changes, on a cnats thread. Must not throw or block.
class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  // A connection that could not reach a server at start is up at last
  // (retry_on_failed_connect).
  virtual void OnConnected() noexcept {}
  virtual void OnDisconnected() noexcept {}
  virtual void OnReconnected() noexcept {}
  virtual void OnClosed() noexcept {}
  // Asynchronous errors, e.g. a slow-consumer drop on a subscription.
  virtual void OnAsyncError(const Status&) noexcept {}
};

struct ConnectionOptions {
  std::string url = "nats://127.0.0.1:4222";
  std::string name = "roseyd";
  // Reconnection never gives up; waits grow from reconnect_wait, doubling, to
  // reconnect_wait_max, with jitter.
  std::chrono::milliseconds reconnect_wait{250};
  std::chrono::milliseconds reconnect_wait_max{5000};
  std::chrono::milliseconds connect_timeout{2000};
  // Flush every publish at once: right for replies and latency probes, wrong
  // for bulk publishing (cnats then batches in its flusher thread).
  bool send_asap = false;
  // Deliver the messages of all this connection's subscriptions on one
  // thread, in the order the server sent them (cnats's global delivery pool,
  // one thread by default): requests on different subjects then keep their
  // order. Off: each subscription has a delivery thread of its own.
  bool ordered_delivery = false;
  // If the server is not reachable at start, keep trying in the background
  // instead of failing (for a daemon started before its NATS server).
  bool retry_on_failed_connect = true;
  // Log "NATS connected to ..." at debug rather than info: for the load
  // generator's many short-lived connections (one per simulated bot).
  bool quiet = false;
  // Authentication: at most one of user+password, token, credentials file,
  // NKey (public key + seed file). Any tls_* file: connect with TLS.
  std::string user;
  std::string password;
  std::string token;
  std::string credentials_file;
  std::string nkey;
  std::string nkey_seed_file;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

// `url` with any user:password@ replaced by ***@, for logs (base/redact_url.h).
using ::roseyd::RedactUrl;

// One NATS connection (RAII over natsConnection).
//
// Thread: thread-safe (cnats connections are). *listener must outlive it.
class Connection {
 public:
  // Connects; throws StartupError on bad options, or if the server cannot be
  // reached and retry_on_failed_connect is false.
  explicit Connection(const ConnectionOptions& options,
                      ConnectionListener* listener = nullptr);
  ~Connection();  // closes (without draining); subscriptions must be gone first

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status Publish(std::string_view subject, std::string_view data);
  Status PublishRequest(std::string_view subject, std::string_view reply,
                        std::string_view data);
  // Publishes with a kTraceHeader header carrying `trace_id` (load generator).
  Status PublishTraced(std::string_view subject, std::string_view data, uint64_t trace_id);
  // Sends a request and waits for one reply.
  Status Request(std::string_view subject, std::string_view data,
                 std::chrono::milliseconds timeout, std::string* reply);
  // Round trip to the server: everything published before is on the server.
  Status Flush(std::chrono::milliseconds timeout);

  // Subscribes (in `queue_group` when non-empty). Throws StartupError.
  std::unique_ptr<Subscription> Subscribe(const std::string& subject,
                                          const std::string& queue_group,
                                          MessageHandler handler);

  bool IsConnected() const;
  uint64_t Reconnects() const;  // from the library's statistics
  std::string ConnectedUrl() const;

  // A fresh unique inbox subject, for replies.
  static std::string NewInbox();

 private:
  friend class Subscription;
  friend class JetStreamConsumer;
  friend class StreamPublisher;
  friend Status DeleteStream(Connection* connection, const std::string& name);
  struct Deleter {
    void operator()(__natsConnection* nc) const noexcept;
  };
  // Declared before nc_ so it outlives the connection whose callbacks use it.
  std::unique_ptr<CallbackContext> context_;
  std::unique_ptr<__natsConnection, Deleter> nc_;
};

}  // namespace roseyd::bus
