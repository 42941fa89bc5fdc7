#include "bus/jetstream.h"

#include <nats/nats.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "bus/nats_status.h"

namespace roseyd::bus {

namespace {

constexpr int64_t kNanosPerMilli = 1'000'000;

struct StreamInfoDeleter {
  void operator()(jsStreamInfo* info) const noexcept { jsStreamInfo_Destroy(info); }
};
struct ConsumerInfoDeleter {
  void operator()(jsConsumerInfo* info) const noexcept { jsConsumerInfo_Destroy(info); }
};
using StreamInfo = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;
using ConsumerInfo = std::unique_ptr<jsConsumerInfo, ConsumerInfoDeleter>;

// ToStatus plus the JetStream error code, which says what the server refused.
Status JsStatus(natsStatus s, jsErrCode code, std::string_view what) {
  if (s == NATS_OK) return Status::OK();
  if (code == JSConsumerNotFoundErr || code == JSStreamNotFoundErr) {
    return Status::NotFound(std::string(what) + ": " + LastError(s));
  }
  Status status = ToStatus(s, what);
  if (code != 0) {
    return Status::Internal(status.message() + " [JetStream error " +
                            std::to_string(static_cast<int>(code)) + "]");
  }
  return status;
}

}  // namespace

uint64_t StreamSequenceOf(std::string_view ack_subject) {
  constexpr std::string_view kPrefix = "$JS.ACK.";
  if (ack_subject.substr(0, kPrefix.size()) != kPrefix) return 0;
  std::vector<std::string_view> tokens;
  for (std::string_view rest = ack_subject.substr(kPrefix.size());;) {
    const size_t dot = rest.find('.');
    tokens.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  // <stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>, or the
  // same after <domain>.<account hash> and followed by a random token.
  size_t index = 0;
  if (tokens.size() == 7) {
    index = 3;
  } else if (tokens.size() >= 9) {
    index = 5;
  } else {
    return 0;
  }
  uint64_t seq = 0;
  const std::string_view token = tokens[index];
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), seq);
  return ec == std::errc() && end == token.data() + token.size() ? seq : 0;
}

void JetStreamContextDeleter::operator()(jsCtx* js) const noexcept { jsCtx_Destroy(js); }

Status DeleteStream(Connection* connection, const std::string& name) {
  jsCtx* raw = nullptr;
  natsStatus s = natsConnection_JetStream(&raw, connection->nc_.get(), nullptr);
  const std::unique_ptr<jsCtx, JetStreamContextDeleter> js(raw);
  if (s != NATS_OK) return ToStatus(s, "JetStream context");
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_DeleteStream(js.get(), name.c_str(), nullptr, &code);
  if (code == JSStreamNotFoundErr) return Status::OK();
  return JsStatus(s, code, "delete stream " + name);
}

JetStreamConsumer::JetStreamConsumer(Connection* connection, StreamOptions stream,
                                     ConsumerOptions consumer)
    : connection_(connection), stream_(std::move(stream)), consumer_(std::move(consumer)) {
  jsCtx* raw = nullptr;
  natsStatus s = natsConnection_JetStream(&raw, connection_->nc_.get(), nullptr);
  js_.reset(raw);  // own before checking
  if (s != NATS_OK) {
    throw StartupError("jetstream", ToStatus(s, "cannot get a JetStream context").message());
  }
  std::vector<const char*> subjects;
  subjects.reserve(stream_.subjects.size());
  for (const auto& subject : stream_.subjects) subjects.push_back(subject.c_str());
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream_.name.c_str();
  config.Subjects = subjects.data();
  config.SubjectsLen = static_cast<int>(subjects.size());
  config.Retention = js_LimitsPolicy;  // the database's cursor, not acks, decides what was read
  config.Storage = js_FileStorage;
  config.Discard = js_DiscardOld;
  config.MaxAge = std::chrono::duration_cast<std::chrono::nanoseconds>(stream_.max_age).count();
  config.MaxBytes = stream_.max_bytes;
  config.Replicas = stream_.replicas;

  jsStreamInfo* raw_info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_GetStreamInfo(&raw_info, js_.get(), stream_.name.c_str(), nullptr, &code);
  const StreamInfo existing(raw_info);
  const bool exists = s == NATS_OK;
  if (!exists && code != JSStreamNotFoundErr) {
    throw StartupError("jetstream", JsStatus(s, code, "cannot reach JetStream").message() +
                                        " (is JetStream enabled on the NATS server?)");
  }
  if (exists && existing->Config != nullptr && existing->Config->Replicas != stream_.replicas) {
    spdlog::warn("stream {} has {} replica(s); changing it to {} (service.jetstream.replicas)",
                 stream_.name, existing->Config->Replicas, stream_.replicas);
  }
  jsStreamInfo* raw_result = nullptr;
  code = static_cast<jsErrCode>(0);
  s = exists ? js_UpdateStream(&raw_result, js_.get(), &config, nullptr, &code)
             : js_AddStream(&raw_result, js_.get(), &config, nullptr, &code);
  const StreamInfo result(raw_result);
  if (s != NATS_OK) {
    std::string hint;
    if (code == JSStreamReplicasNotSupportedErr || code == JSClusterNoPeersErr ||
        code == JSInsufficientResourcesErr) {
      hint = " (service.jetstream.replicas is " + std::to_string(stream_.replicas) +
             ": that many copies need a NATS cluster of at least as many JetStream servers)";
    }
    throw StartupError(
        "jetstream", JsStatus(s, code, std::string(exists ? "cannot update" : "cannot create") +
                                           " stream " + stream_.name)
                             .message() +
                         hint);
  }
}

// Unsubscribing (subscription_ goes first) leaves the durable consumer on the
// server, as intended.
JetStreamConsumer::~JetStreamConsumer() = default;

Status JetStreamConsumer::GetStreamState(StreamState* state) {
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetStreamInfo(&raw, js_.get(), stream_.name.c_str(), nullptr, &code);
  const StreamInfo info(raw);
  if (s != NATS_OK) return JsStatus(s, code, "stream info of " + stream_.name);
  state->first_seq = info->State.Msgs == 0 ? 0 : info->State.FirstSeq;
  state->last_seq = info->State.LastSeq;
  state->messages = info->State.Msgs;
  return Status::OK();
}

Status JetStreamConsumer::Reset(uint64_t start_seq, MessageHandler handler) {
  subscription_.reset();
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteConsumer(js_.get(), stream_.name.c_str(), consumer_.durable.c_str(),
                                   nullptr, &code);
  if (s != NATS_OK && code != JSConsumerNotFoundErr) {
    return JsStatus(s, code, "cannot delete consumer " + consumer_.durable);
  }
  // Subscribe first, so the first message delivered finds us listening.
  const std::string inbox = Connection::NewInbox();
  try {
    subscription_ = connection_->Subscribe(inbox, "", std::move(handler));
  } catch (const std::exception& e) {
    return Status::Unavailable(e.what());
  }
  // Up to max_ack_pending messages can be on their way: never drop them.
  const int limit = static_cast<int>(std::min<int64_t>(consumer_.max_ack_pending * 2, 1 << 30));
  if (Status st = subscription_->SetPendingLimits(limit, -1); !st.ok()) return st;

  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.Durable = consumer_.durable.c_str();
  config.DeliverSubject = inbox.c_str();
  config.AckPolicy = js_AckAll;
  config.AckWait = consumer_.ack_wait.count() * kNanosPerMilli;
  config.MaxAckPending = consumer_.max_ack_pending;
  config.DeliverPolicy = start_seq <= 1 ? js_DeliverAll : js_DeliverByStartSequence;
  config.OptStartSeq = start_seq <= 1 ? 0 : start_seq;
  jsConsumerInfo* raw_info = nullptr;
  code = static_cast<jsErrCode>(0);
  s = js_AddConsumer(&raw_info, js_.get(), stream_.name.c_str(), &config, nullptr, &code);
  const ConsumerInfo info(raw_info);
  if (s != NATS_OK) {
    subscription_.reset();
    return JsStatus(s, code, "cannot create consumer " + consumer_.durable);
  }
  return Status::OK();
}

Status JetStreamConsumer::Drain(std::chrono::milliseconds timeout) {
  if (!subscription_) return Status::OK();
  Status s = subscription_->Drain(timeout);
  subscription_.reset();
  return s;
}

Status JetStreamConsumer::AckThrough(std::string_view ack_subject) {
  return connection_->Publish(ack_subject, "+ACK");
}


StreamPublisher::StreamPublisher(Connection* connection) {
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.MaxPending = 1024;
  options.PublishAsync.AckHandlerClosure = &acked_;
  options.PublishAsync.AckHandler = [](jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr*,
                                       void* closure) {
    // A duplicate's ack too: the stream holds that id already.
    if (ack != nullptr) static_cast<std::atomic<int64_t>*>(closure)->fetch_add(1);
    natsMsg_Destroy(msg);
  };
  jsCtx* raw = nullptr;
  const natsStatus s = natsConnection_JetStream(&raw, connection->nc_.get(), &options);
  js_.reset(raw);
  if (s != NATS_OK) {
    throw StartupError("jetstream", ToStatus(s, "cannot get a JetStream context").message());
  }
}

StreamPublisher::~StreamPublisher() = default;

size_t StreamPublisher::Publish(const std::vector<StreamMessage>& messages) {
  size_t sent = 0;
  for (const StreamMessage& m : messages) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MsgId = m.msg_id.c_str();
    const natsStatus s = js_PublishAsync(js_.get(), m.subject.c_str(), m.data.data(),
                                         static_cast<int>(m.data.size()), &options);
    if (s != NATS_OK) {
      spdlog::debug("publish to the stream stopped after {} of {}: {}", sent, messages.size(),
                    LastError(s));
      break;
    }
    ++sent;
  }
  return sent;
}

bool StreamPublisher::WaitForAcks(std::chrono::milliseconds timeout) {
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = timeout.count();
  return js_PublishAsyncComplete(js_.get(), &wait) == NATS_OK;
}

}  // namespace roseyd::bus
