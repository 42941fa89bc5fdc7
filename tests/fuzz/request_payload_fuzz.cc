// libFuzzer: the four request handlers against a real SQLite file. The first
// byte picks the subject, the rest is the request. Every reply must be JSON.
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "service/classic_query_handler.h"
#include "service/subject.h"
#include "store/sqlite/sqlite_reader.h"
#include "store/sqlite/sqlite_store.h"
#include "writer/event_writer.h"

namespace {

using roseyd::service::Subject;

constexpr Subject kRequests[] = {Subject::kOutboundGet, Subject::kRecentChatGet,
                                 Subject::kChannelStats, Subject::kUserStats};

// One file per fuzzing process, with a few rows so queries return something.
roseyd::service::ClassicQueryHandler& Handler() {
  static const std::string path = "/tmp/roseyd-fuzz-" + std::to_string(getpid()) + ".db";
  static const bool created = [] {
    roseyd::store::EventWriter writer(
        roseyd::store::OpenSqliteStore(roseyd::StoreConfig{}, path)->OpenWriter(),
        roseyd::StoreConfig{}, nullptr);
    writer.Start();
    uint64_t seq = 0;
    (void)writer.Submit({roseyd::store::UserJoined{"alice"}, 1'700'000'000, {}, 0}, &seq);
    (void)writer.Submit({roseyd::store::ChatMessage{"alice", "hi"}, 1'700'000'000, {}, 0}, &seq);
    (void)writer.WaitCommitted(seq, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    writer.Stop();
    std::atexit([] {
      for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    });
    return true;
  }();
  (void)created;
  static roseyd::store::SqliteReader reader(path, std::chrono::milliseconds(1000));
  static roseyd::service::ClassicQueryHandler handler(&reader, 1000);
  return handler;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Subject subject = kRequests[data[0] % std::size(kRequests)];
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto outcome = Handler().Handle(subject, payload, 1'700'000'000);
  if (!nlohmann::json::accept(outcome.reply)) std::abort();
  if (!outcome.store_status.ok()) std::abort();  // a bad request must not fail the query
  return 0;
}
