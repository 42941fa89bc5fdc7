#include "service/database_service.h"

#include <string>
#include <vector>

#include "base/startup_error.h"
#include "bus/jetstream.h"
#include "service/classic_queries.h"
#include "service/core_intake.h"
#include "service/follower_intake.h"
#include "service/kv_requests.h"
#include "service/migrate_requests.h"
#include "service/row_requests.h"
#include "service/stream_intake.h"
#include "service/subject.h"

namespace roseyd::service {

namespace {

// Unacknowledged messages before the server pauses delivery: enough to keep
// the writer's queue fed while commits catch up.
constexpr int64_t kMaxAckPending = 65536;

// The stream of every event subject and its durable consumer. Throws
// StartupError (no JetStream, stream refused).
std::unique_ptr<bus::StreamConsumer> OpenStream(const Config& config,
                                                bus::Connection* connection) {
  const JetStreamConfig& js = config.service.jetstream;
  bus::StreamOptions stream{js.stream, {}, js.max_age, js.max_bytes, js.replicas};
  for (const Subject subject : AllSubjects()) {
    if (!IsRequest(subject)) {
      stream.subjects.push_back(config.service.subject_prefix + "." +
                                std::string(SubjectSuffix(subject)));
    }
  }
  return std::make_unique<bus::JetStreamConsumer>(
      connection, std::move(stream),
      bus::ConsumerOptions{js.consumer, js.ack_wait, kMaxAckPending});
}

}  // namespace

DatabaseService::DatabaseService(const Config& config, bus::Connection* connection,
                                 store::EventSink* sink, store::Store* store,
                                 ServiceMetrics* metrics, Role role)
    : config_(config),
      connection_(connection),
      sink_(sink),
      store_(store),
      metrics_(metrics),
      role_(role),
      events_(config.service, sink, metrics),
      storage_(config.service, store->SqlDialect(), &metrics->storage()),
      requests_(config, connection, sink, metrics) {
  // Schemas are registered through the writing roseyd; see them here too.
  storage_.SetReloadOnMiss(role == Role::kFollower);
  requests_.Register(std::make_unique<ClassicQueries>(config.service.max_request_limit));
  requests_.Register(std::make_unique<KvRequests>(&storage_));
  requests_.Register(std::make_unique<RowRequests>(&storage_));
  requests_.Register(std::make_unique<MigrateRequests>(&storage_));
}

DatabaseService::~DatabaseService() { Stop(); }

void DatabaseService::Start() {
  // Before any request: the original's schema cache was loaded at start too.
  if (const Status s = storage_.LoadSchemas(store_->OpenReader().get()); !s.ok()) {
    throw StartupError("store", "cannot load the plugin table schemas: " + s.ToString());
  }
  if (role_ == Role::kFollower) {
    auto reads = std::make_unique<CoreIntake>(config_, requests_.Subjects(/*reads_only=*/true),
                                              connection_, &events_, &requests_, sink_, metrics_);
    intake_ = std::make_unique<FollowerIntake>(
        std::move(reads), config_.service.Durable() ? OpenStream(config_, connection_) : nullptr);
  } else if (config_.service.Durable()) {
    StreamIntakeOptions options;
    options.stream = config_.service.jetstream.stream;
    options.subject_prefix = config_.service.subject_prefix;
    // Only a replicated stream can lose its leader while roseyd's node
    // lives, and the witness costs each event a second delivery and a copy
    // (docs/FAULTS.md 5k).
    const bool witnessed = config_.service.jetstream.replicas > 1;
    if (witnessed) {
      ledger_ = std::make_unique<StreamLedger>();
      options.ledger = ledger_.get();
    }
    auto intake = std::make_unique<StreamIntake>(std::move(options),
                                                 OpenStream(config_, connection_), &events_,
                                                 sink_, metrics_);
    if (witnessed) {
      witness_ = std::make_unique<StreamWitness>(
          config_.service.jetstream.stream, config_.service.subject_prefix, connection_,
          intake->consumer(), ledger_.get(), metrics_);
    }
    intake_ = std::move(intake);
    request_intake_ = std::make_unique<CoreIntake>(config_, requests_.Subjects(), connection_,
                                                   &events_, &requests_, sink_, metrics_);
  } else {
    intake_ = std::make_unique<CoreIntake>(
        config_, std::vector<std::string>{config_.service.subject_prefix + ".>"}, connection_,
        &events_, &requests_, sink_, metrics_);
  }
  requests_.Start(intake_.get(), store_);
  intake_->Start();  // before the requests: a request's barrier may ask the stream
  if (request_intake_) request_intake_->Start();
  if (witness_) witness_->Start();
}

void DatabaseService::StopIntake(std::chrono::milliseconds timeout) {
  if (witness_) witness_->Stop();
  if (intake_) intake_->Stop(timeout);
  if (request_intake_) request_intake_->Stop(timeout);
}

void DatabaseService::Stop(std::chrono::steady_clock::time_point answer_by) {
  StopIntake(config_.service.drain_timeout);
  requests_.Stop(answer_by);
}

void DatabaseService::Tick() {
  metrics_->SetWriteQueueDepth(static_cast<double>(sink_->QueueDepth()));
  requests_.Tick();
  if (intake_) intake_->Tick();
  if (request_intake_) request_intake_->Tick();
}

}  // namespace roseyd::service
