#include "bus/connection.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

#include <spdlog/spdlog.h>

#include "base/mutex.h"
#include "base/startup_error.h"
#include "base/url_list.h"
#include "bus/nats_status.h"
#include "bus/subscription.h"

namespace roseyd::bus {

namespace {

struct OptionsDeleter {
  void operator()(natsOptions* o) const noexcept { natsOptions_Destroy(o); }
};
struct MsgDeleter {
  void operator()(natsMsg* m) const noexcept { natsMsg_Destroy(m); }
};
struct StatsDeleter {
  void operator()(natsStatistics* s) const noexcept { natsStatistics_Destroy(s); }
};
struct InboxDeleter {
  void operator()(natsInbox* inbox) const noexcept { natsInbox_Destroy(inbox); }
};

}  // namespace

// What the C callbacks need. Owned by the Connection and destroyed after its
// natsConnection, since callbacks can fire until natsConnection_Destroy returns.
struct CallbackContext {
  ConnectionListener* listener = nullptr;
  int64_t wait_ms = 250;
  int64_t wait_max_ms = 5000;
  std::string url;
  std::string name;
  bool quiet = false;  // connection lines at debug
  std::atomic<int64_t> next_error_log_ms{0};  // rate limit of unheard async errors

  Mutex mu;
  CondVar cv{&mu};
  bool closed GUARDED_BY(mu) = false;  // the closed callback has run
};

namespace {

// The server `nc` is connected to, redacted; for a list of servers, the one
// in use says more than the list.
std::string CurrentServer(natsConnection* nc, const CallbackContext& ctx) {
  char buf[512] = {0};
  if (natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)) != NATS_OK || buf[0] == '\0') {
    return ctx.url;
  }
  return RedactUrl(buf);
}

// A connection that failed at start (retry_on_failed_connect) is up at last.
void OnConnected(natsConnection* nc, void* closure) noexcept {
  auto* ctx = static_cast<CallbackContext*>(closure);
  try {
    spdlog::log(ctx->quiet ? spdlog::level::debug : spdlog::level::info, "NATS connected to {}",
                CurrentServer(nc, *ctx));
  } catch (...) {
  }
  if (ctx->listener != nullptr) ctx->listener->OnConnected();
}

void OnDisconnected(natsConnection*, void* closure) noexcept {
  auto* ctx = static_cast<CallbackContext*>(closure);
  if (ctx->listener != nullptr) ctx->listener->OnDisconnected();
}

void OnReconnected(natsConnection* nc, void* closure) noexcept {
  auto* ctx = static_cast<CallbackContext*>(closure);
  try {
    spdlog::log(ctx->quiet ? spdlog::level::debug : spdlog::level::info,
                "NATS reconnected to {}", CurrentServer(nc, *ctx));
  } catch (...) {
  }
  if (ctx->listener != nullptr) ctx->listener->OnReconnected();
}

void OnClosed(natsConnection*, void* closure) noexcept {
  auto* ctx = static_cast<CallbackContext*>(closure);
  if (ctx->listener != nullptr) ctx->listener->OnClosed();
  MutexLock lock(&ctx->mu);
  ctx->closed = true;
  ctx->cv.SignalAll();
}

void OnAsyncError(natsConnection* nc, natsSubscription* sub, natsStatus err,
                  void* closure) noexcept {
  auto* ctx = static_cast<CallbackContext*>(closure);
  try {
    std::string text = natsStatus_GetText(err);
    if (err == NATS_SLOW_CONSUMER) {
      text = "slow consumer: messages dropped";
    } else if (const char* server = nullptr;
               natsConnection_GetLastError(nc, &server) == err && server != nullptr &&
               *server != '\0') {
      // The server's own words name the subject and the operation, e.g.
      // 'nats: Permissions Violation for Publish to "x.y"'; the status
      // text alone ("Not Permitted") names neither. cnats keeps only the last
      // error, so two refusals close together may both be told as the later.
      text = server;
    }
    if (sub != nullptr) {
      text += " (subscription " + std::to_string(natsSubscription_GetID(sub));
      if (const char* subject = natsSubscription_GetSubject(sub); subject != nullptr) {
        text += std::string(" on '") + subject + "'";
      }
      text += ")";
    }
    const Status status = err == NATS_NOT_PERMITTED ? Status::InvalidArgument(text)
                                                    : Status::ResourceExhausted(text);
    if (ctx->listener != nullptr) {
      ctx->listener->OnAsyncError(status);
      return;
    }
    // Nobody listens (a load-generator bot, roseyd ctl): log it, at most a
    // line a second per connection, so a refused publish in a loop cannot
    // flood the log.
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t next = ctx->next_error_log_ms.load();
    if (now >= next && ctx->next_error_log_ms.compare_exchange_strong(next, now + 1000)) {
      spdlog::warn("NATS {} ({}): {}", ctx->url, ctx->name, status.message());
    }
  } catch (...) {
  }
}

// Doubling back-off with +-25 % jitter, capped; `attempts` counts from 1.
int64_t ReconnectDelay(natsConnection*, int attempts, void* closure) noexcept {
  auto* ctx = static_cast<CallbackContext*>(closure);
  int64_t delay = ctx->wait_ms;
  for (int i = 1; i < attempts && delay < ctx->wait_max_ms; ++i) delay *= 2;
  delay = std::min(delay, ctx->wait_max_ms);
  try {
    thread_local std::minstd_rand rng(std::random_device{}());
    std::uniform_int_distribution<int64_t> jitter(-delay / 4, delay / 4);
    delay += jitter(rng);
  } catch (...) {
    // No entropy source: back off without jitter.
  }
  return std::max<int64_t>(1, delay);
}

// Applies options' credentials and TLS files; `check` throws naming `what`.
template <typename Check>
void SetAuth(natsOptions* opts, const ConnectionOptions& o, Check check) {
  if (!o.user.empty()) {
    check(natsOptions_SetUserInfo(opts, o.user.c_str(), o.password.c_str()), "setting the user");
  }
  if (!o.token.empty()) check(natsOptions_SetToken(opts, o.token.c_str()), "setting the token");
  if (!o.credentials_file.empty()) {
    check(natsOptions_SetUserCredentialsFromFiles(opts, o.credentials_file.c_str(), nullptr),
          "loading the credentials file");
  }
  if (!o.nkey.empty()) {
    check(natsOptions_SetNKeyFromSeed(opts, o.nkey.c_str(), o.nkey_seed_file.c_str()),
          "loading the NKey seed file");
  }
  if (o.tls_ca_file.empty() && o.tls_cert_file.empty()) return;
  check(natsOptions_SetSecure(opts, true), "enabling TLS");
  if (!o.tls_ca_file.empty()) {
    check(natsOptions_LoadCATrustedCertificates(opts, o.tls_ca_file.c_str()),
          "loading the TLS CA file");
  }
  if (!o.tls_cert_file.empty()) {
    check(natsOptions_LoadCertificatesChain(opts, o.tls_cert_file.c_str(), o.tls_key_file.c_str()),
          "loading the TLS certificate and key");
  }
}

}  // namespace

void Connection::Deleter::operator()(natsConnection* nc) const noexcept {
  natsConnection_Destroy(nc);
}

Connection::Connection(const ConnectionOptions& options, ConnectionListener* listener)
    : context_(std::make_unique<CallbackContext>()) {
  context_->listener = listener;
  context_->wait_ms = options.reconnect_wait.count();
  context_->wait_max_ms = std::max(options.reconnect_wait_max.count(), context_->wait_ms);
  context_->url = RedactUrl(options.url);
  context_->name = options.name;
  context_->quiet = options.quiet;
  const std::string& url = context_->url;  // the only form that may reach a log

  natsOptions* raw = nullptr;
  natsStatus s = natsOptions_Create(&raw);
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);
  auto check = [&](natsStatus st, const char* what) {
    if (st != NATS_OK) {
      throw StartupError("bus", url + ": " + what + ": " + LastError(st), st);
    }
  };
  check(s, "creating options");
  if (options.url.find(',') == std::string::npos) {
    check(natsOptions_SetURL(opts.get(), options.url.c_str()), "bad URL");
  } else {
    // Several servers (a cluster): cnats tries them in random order and
    // reconnects to another when one goes away.
    const std::vector<std::string> servers = SplitUrlList(options.url);
    if (servers.empty()) throw StartupError("bus", url + ": an empty server in the URL list");
    std::vector<const char*> list;
    list.reserve(servers.size());
    for (const auto& server : servers) list.push_back(server.c_str());
    check(natsOptions_SetServers(opts.get(), list.data(), static_cast<int>(list.size())),
          "bad URL list");
  }
  check(natsOptions_SetName(opts.get(), options.name.c_str()), "setting the name");
  check(natsOptions_SetTimeout(opts.get(), options.connect_timeout.count()), "setting the timeout");
  check(natsOptions_SetMaxReconnect(opts.get(), -1), "setting reconnection");
  check(natsOptions_SetCustomReconnectDelay(opts.get(), ReconnectDelay, context_.get()),
        "setting the reconnect delay");
  // Publishes during a short outage are buffered rather than refused.
  check(natsOptions_SetReconnectBufSize(opts.get(), 8 * 1024 * 1024), "setting the buffer");
  check(natsOptions_SetSendAsap(opts.get(), options.send_asap), "setting send-asap");
  check(natsOptions_UseGlobalMessageDelivery(opts.get(), options.ordered_delivery),
        "setting ordered delivery");
  check(natsOptions_SetDisconnectedCB(opts.get(), OnDisconnected, context_.get()), "callbacks");
  check(natsOptions_SetReconnectedCB(opts.get(), OnReconnected, context_.get()), "callbacks");
  check(natsOptions_SetClosedCB(opts.get(), OnClosed, context_.get()), "callbacks");
  check(natsOptions_SetErrorHandler(opts.get(), OnAsyncError, context_.get()), "callbacks");
  SetAuth(opts.get(), options, check);

  // One plain attempt first: a refusal (authorization, TLS) is an error to
  // report now, not something to retry forever. Only "no server" is retried.
  natsConnection* nc = nullptr;
  s = natsConnection_Connect(&nc, opts.get());
  nc_.reset(nc);  // own before checking: a failed connect may still return a handle
  if (s == NATS_NO_SERVER && options.retry_on_failed_connect) {
    nc_.reset();
    // With a connected callback cnats retries in the background; without one,
    // natsConnection_Connect would block until a server answers.
    check(natsOptions_SetRetryOnFailedConnect(opts.get(), true, OnConnected, context_.get()),
          "setting retry on failed connect");
    nc = nullptr;
    s = natsConnection_Connect(&nc, opts.get());
    nc_.reset(nc);
  }
  // With retry_on_failed_connect, NOT_YET_CONNECTED means "trying in the background".
  if (s != NATS_OK && !(s == NATS_NOT_YET_CONNECTED && options.retry_on_failed_connect)) {
    throw StartupError("bus", url + ": cannot connect: " + LastError(s), s);
  }
  if (s == NATS_OK) {
    spdlog::log(options.quiet ? spdlog::level::debug : spdlog::level::info,
                "NATS connected to {} as '{}'", CurrentServer(nc_.get(), *context_), options.name);
  }
}

Connection::~Connection() {
  if (!nc_) return;
  // cnats runs the closed callback on its own thread, possibly after Destroy
  // returns: wait for it so that context_ is not freed under it.
  natsConnection_Close(nc_.get());
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    MutexLock lock(&context_->mu);
    while (!context_->closed && context_->cv.WaitUntil(deadline)) {
    }
    if (!context_->closed) {
      spdlog::warn("NATS connection to {} did not report closing within 5 s", context_->url);
    }
  }
  nc_.reset();
}

Status Connection::Publish(std::string_view subject, std::string_view data) {
  const std::string subj(subject);
  return ToStatus(natsConnection_Publish(nc_.get(), subj.c_str(), data.data(),
                                         static_cast<int>(data.size())),
                  "publish to " + subj);
}

Status Connection::PublishTraced(std::string_view subject, std::string_view data,
                                 uint64_t trace_id) {
  const std::string subj(subject);
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, subj.c_str(), nullptr, data.data(),
                                static_cast<int>(data.size()));
  if (s != NATS_OK) return ToStatus(s, "publish to " + subj);
  std::unique_ptr<natsMsg, MsgDeleter> msg(raw);
  const std::string trace = std::to_string(trace_id);
  s = natsMsgHeader_Set(msg.get(), kTraceHeader, trace.c_str());
  if (s == NATS_OK) s = natsConnection_PublishMsg(nc_.get(), msg.get());
  return ToStatus(s, "publish to " + subj);
}

Status Connection::PublishRequest(std::string_view subject, std::string_view reply,
                                  std::string_view data) {
  const std::string subj(subject), rep(reply);
  return ToStatus(natsConnection_PublishRequest(nc_.get(), subj.c_str(), rep.c_str(), data.data(),
                                                static_cast<int>(data.size())),
                  "publish to " + subj);
}

Status Connection::Request(std::string_view subject, std::string_view data,
                           std::chrono::milliseconds timeout, std::string* reply) {
  const std::string subj(subject);
  natsMsg* raw = nullptr;
  const natsStatus s = natsConnection_Request(&raw, nc_.get(), subj.c_str(), data.data(),
                                              static_cast<int>(data.size()), timeout.count());
  std::unique_ptr<natsMsg, MsgDeleter> msg(raw);
  if (s != NATS_OK) return ToStatus(s, "request on " + subj);
  reply->assign(natsMsg_GetData(msg.get()), static_cast<size_t>(natsMsg_GetDataLength(msg.get())));
  return Status::OK();
}

Status Connection::Flush(std::chrono::milliseconds timeout) {
  return ToStatus(natsConnection_FlushTimeout(nc_.get(), timeout.count()), "flush");
}

std::unique_ptr<Subscription> Connection::Subscribe(const std::string& subject,
                                                    const std::string& queue_group,
                                                    MessageHandler handler) {
  std::unique_ptr<Subscription> sub(new Subscription(this, std::move(handler)));
  sub->Start(subject, queue_group);
  return sub;
}

bool Connection::IsConnected() const {
  return natsConnection_Status(nc_.get()) == NATS_CONN_STATUS_CONNECTED;
}

uint64_t Connection::Reconnects() const {
  natsStatistics* raw = nullptr;
  if (natsStatistics_Create(&raw) != NATS_OK) return 0;
  std::unique_ptr<natsStatistics, StatsDeleter> stats(raw);
  uint64_t reconnects = 0;
  if (natsConnection_GetStats(nc_.get(), stats.get()) != NATS_OK ||
      natsStatistics_GetCounts(stats.get(), nullptr, nullptr, nullptr, nullptr, &reconnects) !=
          NATS_OK) {
    return 0;
  }
  return reconnects;
}

std::string Connection::ConnectedUrl() const {
  char buf[256] = {0};
  if (natsConnection_GetConnectedUrl(nc_.get(), buf, sizeof(buf)) != NATS_OK) return {};
  return buf;
}

std::string Connection::NewInbox() {
  natsInbox* raw = nullptr;
  const natsStatus s = natsInbox_Create(&raw);
  const std::unique_ptr<natsInbox, InboxDeleter> inbox(raw);
  if (s != NATS_OK) return {};
  return std::string(inbox.get());
}

}  // namespace roseyd::bus
