#include "cost/cost_workload.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/registry.h>

#include "bus/connection.h"
#include "config/config.h"
#include "cost/batch_gate.h"
#include "cost/workload_clock.h"
#include "loadgen/payloads.h"
#include "service/classic_queries.h"
#include "service/event_handler.h"
#include "service/kv_requests.h"
#include "service/request_registry.h"
#include "service/row_requests.h"
#include "service/service_metrics.h"
#include "service/storage_context.h"
#include "service/subject.h"
#include "store/bench_store.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "writer/event_writer.h"

namespace roseyd::cost {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kUsers = 100;
constexpr int64_t kChatLines = 2000;  // queries: recent chat and user stats to read
constexpr int64_t kKeys = 100;
constexpr int64_t kRows = 10000;
constexpr int64_t kRowsPerInsert = 500;
constexpr int kMessageBytes = 64;
constexpr const char* kPlugin = "roseyd-cost";
// 2026-01-01T00:00:00Z: the wall time a workload starts at. Chat arrives at
// a busy channel's pace, kLinesPerSecond, by the workload's clock.
constexpr int64_t kUnixNow = 1767225600;
constexpr int64_t kLinesPerSecond = 10;
// No wait of the workload should take this long; one that does is a bug.
constexpr std::chrono::seconds kWaitLimit{600};

std::string User(int i) { return "cost-user" + std::to_string(i); }

// The service's own parts, in this process, without NATS: the event path
// (EventHandler, EventWriter, store) and the request families over one read
// connection. Requests are answered as RequestService answers them (a
// write route's write committed first, then Handle), minus the queue and
// the reply's publish.
//
// Thread: confined to the constructing thread (the writer has its own).
class ServiceParts {
 public:
  ServiceParts(const WorkloadOptions& options) : clock_(kUnixNow), metrics_(&registry_) {
    config_.store.batch_max_events = kBatchEvents;
    // The batch fills to kBatchEvents: the frozen clock never ends the linger.
    config_.store.batch_max_delay = std::chrono::milliseconds(1000);
    if (options.postgres_url.empty()) {
      store_ = store::OpenSqliteStore(config_.store, options.sqlite_path);
    } else {
      schema_ = store::OpenBenchSchema(options.postgres_url, "roseyd_cost_" + std::to_string(getpid()));
      store_ = store::OpenPostgresStore(schema_->url());
    }
    std::unique_ptr<store::StoreWriter> writer = store_->OpenWriter();
    // On PostgreSQL the writer's claim is one per database: a workload of
    // the other side of a comparison may hold it, so wait for its turn
    // (setup: not counted).
    const Clock::time_point give_up = Clock::now() + kWaitLimit;
    while (!writer->TryClaim()) {
      if (Clock::now() > give_up) throw std::runtime_error("another writer holds the store");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    writer_ = std::make_unique<store::EventWriter>(std::move(writer), config_.store, &gate_,
                                                   &clock_);
    writer_->Start();
    reader_ = store_->OpenReader();
    events_.emplace(config_.service, writer_.get(), &metrics_, &clock_);
    storage_.emplace(config_.service, store_->SqlDialect(), &metrics_.storage());
    if (const Status s = storage_->LoadSchemas(reader_.get()); !s.ok()) {
      throw std::runtime_error("cannot load the row schemas: " + s.ToString());
    }
    families_.push_back(std::make_unique<service::ClassicQueries>(config_.service.max_request_limit));
    families_.push_back(std::make_unique<service::KvRequests>(&*storage_));
    families_.push_back(std::make_unique<service::RowRequests>(&*storage_));
    for (const auto& family : families_) registry_routes_.Add(family.get());
  }

  ~ServiceParts() { writer_->Stop(); }

  // The sum of a counter family's series in the service's metrics (for a
  // histogram, its count of observations).
  double CounterSum(const std::string& name) const {
    double sum = 0;
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const prometheus::ClientMetric& metric : family.metric) {
        sum += family.type == prometheus::MetricType::Histogram
                   ? static_cast<double>(metric.histogram.sample_count)
                   : metric.counter.value;
      }
    }
    return sum;
  }

  ServiceParts(const ServiceParts&) = delete;
  ServiceParts& operator=(const ServiceParts&) = delete;

  std::string Subject(const std::string& suffix) const {
    return config_.service.subject_prefix + "." + suffix;
  }

  // An event message on `subject`, as intake hands it over.
  void Publish(const std::string& subject, const std::string& payload) {
    const std::optional<service::Subject> parsed =
        service::ParseSubject(config_.service.subject_prefix, subject);
    if (!parsed || service::IsRequest(*parsed)) {
      throw std::logic_error("not an event subject: " + subject);
    }
    events_->Handle(*parsed, bus::Message{subject, {}, payload, {}}, 0);
  }

  // Waits until every event handed over has committed.
  void Flush() {
    const Status s = writer_->WaitCommitted(writer_->LastSubmitted(), Clock::now() + kWaitLimit);
    if (!s.ok()) throw std::runtime_error("events did not commit: " + s.ToString());
  }

  // Sets the wall time the next events are received at.
  void SetTime(int64_t unix_now) { clock_.SetUnixNow(unix_now); }

  // The writer's gate: it commits whole batches while armed.
  BatchGate& gate() { return gate_; }

  // A request on `subject`; its reply.
  std::string Request(const std::string& subject, const std::string& payload) {
    const auto found = registry_routes_.Find(subject);
    if (!found) throw std::logic_error("no family answers " + subject);
    const service::RequestRegistry::Entry& entry = registry_routes_.entries()[found->route];
    service::Request request{entry.route.kind, found->wildcard, payload, clock_.UnixNow(),
                             Clock::now()};
    std::optional<store::Write> write;
    if (entry.route.write) {
      service::Admission admission = entry.family->Admit(request);
      if (admission.answer) return admission.answer->reply;
      if (admission.write) {
        uint64_t seq = 0;
        const Status s = writer_->Submit(store::Event{*admission.write, clock_.UnixNow(), {}, 0, 0, 0}, &seq);
        if (!s.ok()) throw std::runtime_error("cannot submit a write: " + s.ToString());
        if (const Status w = writer_->WaitCommitted(seq, Clock::now() + kWaitLimit); !w.ok()) {
          throw std::runtime_error("a write did not commit: " + w.ToString());
        }
        write = std::move(admission.write);
        request.write = &*write;
      }
    }
    return entry.family->Handle(request, reader_.get()).reply;
  }

 private:
  Config config_;
  WorkloadClock clock_;
  prometheus::Registry registry_;
  service::ServiceMetrics metrics_;
  BatchGate gate_{&metrics_};
  std::unique_ptr<store::BenchSchema> schema_;  // before the store that works in it
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::EventWriter> writer_;
  std::unique_ptr<store::Reader> reader_;
  std::optional<service::EventHandler> events_;
  std::optional<service::StorageContext> storage_;
  std::vector<std::unique_ptr<service::RequestFamily>> families_;
  service::RequestRegistry registry_routes_{config_.service.subject_prefix};
};

// Replies of the classic queries are bare lists or objects; a refusal says
// "success": false in every family, as the load generator counts failures.
// One message of a workload, made before the measured part so that the
// workload's own string building is not counted.
struct Message {
  std::string subject;
  std::string payload;
};
using Messages = std::vector<Message>;

bool Failed(const std::string& reply) {
  return reply.empty() || reply.find(R"("success": false)") != std::string::npos ||
         reply.find(R"("success":false)") != std::string::npos;
}

// Counts a failed reply; keeps the first.
void Check(const std::string& reply, WorkloadResult* result) {
  if (!Failed(reply)) return;
  if (result->failed++ == 0) result->first_failure = reply.substr(0, 300);
}

void JoinUsers(ServiceParts* service) {
  for (int u = 0; u < kUsers; ++u) {
    service->Publish(service->Subject("user.joined"), loadgen::UsernamePayload(User(u)));
  }
  service->Flush();
}

// Leaves the writer held at its gate after one commit, so that the
// measured part starts with the writer idle and every batch whole.
void PrepareEvents(ServiceParts* service) {
  service->gate().Arm();
  service->Publish(service->Subject("message.log"),
                   loadgen::ChatLinePayload(User(0), 0, kMessageBytes));
  service->gate().AwaitHeld();
}

Messages EventMessages(const ServiceParts& service, int64_t count) {
  Messages messages;
  for (int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<uint64_t>(i);
    const loadgen::MixedKind kind = loadgen::MixedKindOf(index);
    messages.push_back({service.Subject(loadgen::MixedSubjectSuffix(kind)),
                        loadgen::MixedPayload(kind, User(static_cast<int>(i % kUsers)), index,
                                              kMessageBytes, /*marker=*/7)});
  }
  return messages;
}

void MeasureEvents(ServiceParts* service, const Messages& messages) {
  const size_t count = messages.size();
  for (size_t i = 0; i < count; ++i) {
    service->SetTime(kUnixNow + static_cast<int64_t>(i) / kLinesPerSecond);
    service->Publish(messages[i].subject, messages[i].payload);
    if ((i + 1) % kBatchEvents == 0 || i + 1 == count) service->gate().Release();
  }
  service->gate().Open();
  service->Flush();
}

void PrepareQueries(ServiceParts* service) {
  for (int64_t i = 0; i < kChatLines; ++i) {
    service->SetTime(kUnixNow + i / kLinesPerSecond);
    service->Publish(service->Subject("message.log"),
                     loadgen::ChatLinePayload(User(static_cast<int>(i % kUsers)),
                                              static_cast<uint64_t>(i), kMessageBytes));
  }
  service->Flush();
}

Messages QueryMessages(const ServiceParts& service, int64_t count) {
  Messages messages;
  for (int64_t i = 0; i < count; ++i) {
    const loadgen::ClassicQuery query = loadgen::ClassicQueryOf(static_cast<uint64_t>(i),
                                                                User(static_cast<int>(i % kUsers)));
    messages.push_back({service.Subject(query.subject_suffix), query.payload});
  }
  return messages;
}

std::string KvKey(int64_t i) {
  return std::string(R"({"plugin_name":")") + kPlugin + R"(","key":"cost-)" + std::to_string(i) +
         "\"";
}

void PrepareKv(ServiceParts* service, WorkloadResult* result) {
  for (int64_t i = 0; i < kKeys; ++i) {
    Check(service->Request(service->Subject("kv.set"),
                           KvKey(i) + R"(,"value":{"n":)" + std::to_string(i) + "}}"),
          result);
  }
}

Messages KvGetMessages(const ServiceParts& service, int64_t count) {
  Messages messages;
  for (int64_t i = 0; i < count; ++i) {
    messages.push_back({service.Subject("kv.get"), KvKey(i % kKeys) + "}"});
  }
  return messages;
}

void PrepareRows(ServiceParts* service, WorkloadResult* result) {
  const std::string row = service->Subject(std::string("row.") + kPlugin);
  Check(service->Request(row + ".schema.register",
                         R"({"table":"search_latency","schema":{"fields":[)"
                         R"({"name":"n","type":"integer","required":true},)"
                         R"({"name":"text","type":"string"},{"name":"score","type":"float"}]}})"),
        result);
  for (int64_t next = 1; next <= kRows;) {
    std::string rows;
    for (int64_t i = 0; i < kRowsPerInsert && next <= kRows; ++i, ++next) {
      rows += (rows.empty() ? "" : ",") + loadgen::SearchRowPayload(next);
    }
    Check(service->Request(row + ".insert", R"({"table":"search_latency","data":[)" + rows + "]}"),
          result);
  }
}

Messages RowSearchMessages(const ServiceParts& service, int64_t count) {
  Messages messages;
  const std::string subject = service.Subject(std::string("row.") + kPlugin + ".search");
  for (int64_t i = 0; i < count; ++i) {
    messages.push_back({subject, loadgen::RowSearchPayload(static_cast<uint64_t>(i))});
  }
  return messages;
}

void MeasureRequests(ServiceParts* service, const Messages& messages, WorkloadResult* result) {
  for (const Message& m : messages) Check(service->Request(m.subject, m.payload), result);
}

}  // namespace

WorkloadResult RunWorkload(const WorkloadOptions& options, PhaseMarks* marks) {
  if (options.count <= 0) throw std::invalid_argument("the count must be positive");
  WorkloadResult result;
  ServiceParts service(options);
  JoinUsers(&service);
  Messages messages;
  switch (options.workload) {
    case Workload::kEvents:
      messages = EventMessages(service, options.count);
      PrepareEvents(&service);
      break;
    case Workload::kQueries:
      PrepareQueries(&service);
      messages = QueryMessages(service, options.count);
      break;
    case Workload::kKvGet:
      PrepareKv(&service, &result);
      messages = KvGetMessages(service, options.count);
      break;
    case Workload::kRowSearch:
      PrepareRows(&service, &result);
      messages = RowSearchMessages(service, options.count);
      break;
  }
  if (result.failed > 0) {
    throw std::runtime_error("the setup failed: " + result.first_failure);
  }
  const std::string label =
      std::string(WorkloadName(options.workload)) + ":" + std::to_string(options.count);
  const double transactions_before = service.CounterSum("roseyd_commit_batch_size");
  const Clock::time_point began = Clock::now();
  marks->Begin();
  if (options.workload == Workload::kEvents) {
    MeasureEvents(&service, messages);
  } else {
    MeasureRequests(&service, messages, &result);
  }
  marks->End(label);
  result.transactions = static_cast<int64_t>(service.CounterSum("roseyd_commit_batch_size") -
                                             transactions_before);
  result.measured_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  result.measured = options.count;
  // Every event the workload handed over committed, and none was refused:
  // a workload that stopped doing its work would look cheap.
  const double refused = service.CounterSum("roseyd_events_rejected_total");
  const double received = service.CounterSum("roseyd_events_received_total");
  const double persisted = service.CounterSum("roseyd_events_persisted_total");
  if (refused > 0 || persisted < received) {
    result.failed += static_cast<int64_t>(refused + received - persisted);
    if (result.first_failure.empty()) {
      result.first_failure = std::to_string(static_cast<int64_t>(refused)) + " events refused, " +
                             std::to_string(static_cast<int64_t>(persisted)) + " of " +
                             std::to_string(static_cast<int64_t>(received)) + " persisted";
    }
  }
  return result;
}

}  // namespace roseyd::cost
