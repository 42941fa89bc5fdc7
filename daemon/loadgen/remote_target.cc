#include "loadgen/remote_target.h"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bus/connection.h"
#include "bus/subscription.h"
#include "loadgen/commit_tracker.h"
#include "loadgen/payloads.h"

namespace roseyd::loadgen {

namespace {

bool ReadIds(const nlohmann::json& object, const char* key, std::vector<uint64_t>* ids) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return false;
  ids->clear();
  for (const auto& id : *it) {
    if (!id.is_number_unsigned()) return false;
    ids->push_back(id.get<uint64_t>());
  }
  return true;
}

}  // namespace

bool ParseCommitAck(std::string_view data, std::vector<uint64_t>* committed,
                    std::vector<uint64_t>* rejected) {
  const nlohmann::json ack = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  return ack.is_object() && ReadIds(ack, "trace_ids", committed) &&
         ReadIds(ack, "rejected", rejected);
}

RemoteTarget::RemoteTarget(RemoteTargetOptions options) : options_(std::move(options)) {
  // As ClientOptions(), which a constructor must not call (virtual).
  bus::ConnectionOptions connection = options_.connection;
  connection.url = options_.nats_url;
  connection.name = "roseyd-bench-acks";
  connection.send_asap = true;  // the probe
  connection.retry_on_failed_connect = false;
  connection_ = std::make_unique<bus::Connection>(connection, &nats_errors_);
  subscription_ = connection_->Subscribe(options_.ack_subject, "",
                                         [this](const bus::Message& m) { OnAck(m); });
  // An acknowledgement dropped here would be an event counted lost.
  (void)subscription_->SetPendingLimits(-1, -1);
  // Subscribed on the server before any event is sent.
  if (Status s = connection_->Flush(std::chrono::seconds(5)); !s.ok()) {
    spdlog::warn("bench: subscribing to {}: {}", options_.ack_subject, s.ToString());
  }
}

RemoteTarget::~RemoteTarget() = default;

bus::ConnectionOptions RemoteTarget::ClientOptions() const {
  bus::ConnectionOptions options = options_.connection;
  options.url = options_.nats_url;
  options.quiet = true;  // one connection per simulated bot: their lines at debug
  return options;
}

std::string RemoteTarget::ConfigUsed() const {
  return "# The driven roseyd's config is not known here; this is the load generator's.\n" +
         options_.config_used;
}

void RemoteTarget::AddCommitListener(store::CommitListener* listener) {
  MutexLock lock(&mu_);
  listeners_.push_back(listener);
}

void RemoteTarget::RemoveCommitListener(store::CommitListener* listener) {
  MutexLock lock(&mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

bool RemoteTarget::RestartService(RestartTiming*, std::string* why, const std::function<void()>&,
                                  const std::string&) {
  *why = "the service runs in another process";
  return false;
}

std::unique_ptr<ReplicaSet> RemoteTarget::StartReplicas(int) {
  throw std::runtime_error("the service runs in another process");
}

void RemoteTarget::OnAck(const bus::Message& message) {
  acks_.fetch_add(1, std::memory_order_relaxed);
  if (!ParseCommitAck(message.data, &committed_ids_, &rejected_ids_)) {
    if (malformed_.fetch_add(1) == 0) {
      spdlog::warn("bench: a message on {} is not a commit acknowledgement; ignored",
                   options_.ack_subject);
    }
    return;
  }
  // The tracker reads only trace ids; the rest of each Event stays empty.
  events_.resize(committed_ids_.size());
  for (size_t i = 0; i < committed_ids_.size(); ++i) events_[i].trace_id = committed_ids_[i];
  MutexLock lock(&mu_);
  for (store::CommitListener* l : listeners_) {
    if (!events_.empty()) l->OnCommitted(events_, std::chrono::nanoseconds(0));
    for (const uint64_t id : rejected_ids_) {
      store::Event rejected;
      rejected.trace_id = id;
      l->OnRejected(rejected, Status::InvalidArgument("rejected by the remote service"));
    }
  }
}

bool RemoteTarget::Probe(std::chrono::milliseconds timeout, std::string* why) {
  const uint64_t id = ReserveTraceIds(1);
  const auto now = std::chrono::steady_clock::now();
  CommitTracker probe(id, 1, now, std::chrono::nanoseconds(0));
  AddCommitListener(&probe);
  const std::string user = "bench-probe";  // a bench user, like the scenarios'
  Status s = connection_->PublishTraced(options_.subject_prefix + ".user.joined",
                                        UsernamePayload(user), id);
  const bool acked = s.ok() && probe.WaitAll(now + timeout);
  RemoveCommitListener(&probe);
  (void)connection_->Publish(options_.subject_prefix + ".user.left", UsernamePayload(user));
  if (acked) return true;
  if (!s.ok()) {
    *why = "cannot publish to " + bus::RedactUrl(options_.nats_url) + ": " + s.ToString();
  } else if (probe.Rejected() > 0) {
    *why = "the service rejected the probe event (user.joined)";
  } else {
    *why = "no commit acknowledgement on '" + options_.ack_subject + "' within " +
           std::to_string(timeout.count()) + " ms of a traced " + options_.subject_prefix +
           ".user.joined: is a roseyd with service.commit_ack_subject=" + options_.ack_subject +
           " and service.subject_prefix=" + options_.subject_prefix + " serving on " +
           bus::RedactUrl(options_.nats_url) + "?";
  }
  return false;
}

}  // namespace roseyd::loadgen
