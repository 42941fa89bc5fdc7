#include "support/bot_database.h"

#include <chrono>
#include <unordered_map>
#include <utility>

#include "base/mutex.h"
#include "store/sqlite/sqlite_store.h"

namespace roseyd::testing {
namespace {

using store::Event;

// Long enough for any healthy commit; a writer retrying a failing disk can
// take longer, and then the caller hears Unavailable instead of hanging.
constexpr std::chrono::seconds kCommitWait{60};

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// The store API has no metrics of its own; it listens only for events the
// store refused, so that the caller waiting for one hears why.
class BotDatabase::NullListener : public store::CommitListener {
 public:
  void OnCommitted(std::span<const Event>, std::chrono::nanoseconds) noexcept override {}
  void OnRejected(const Event& event, const Status& why) noexcept override {
    try {
      MutexLock lock(&mu_);
      rejected_.emplace(event.seq, why);
    } catch (...) {
      // Out of memory: the caller then sees OK for a refused row; nothing better to do.
    }
  }
  void OnWriteError(const Status&) noexcept override {}

  // Why event `seq` was refused, or OK; forgets it.
  Status Take(uint64_t seq) {
    MutexLock lock(&mu_);
    const auto it = rejected_.find(seq);
    if (it == rejected_.end()) return Status::OK();
    Status why = std::move(it->second);
    rejected_.erase(it);
    return why;
  }

 private:
  Mutex mu_;
  std::unordered_map<uint64_t, Status> rejected_ GUARDED_BY(mu_);
};

BotDatabase::BotDatabase(const StoreConfig& config, const std::string& path)
    : BotDatabase(config, store::OpenSqliteStore(config, path).get()) {}

BotDatabase::BotDatabase(const StoreConfig& config, store::Store* store)
    : listener_(std::make_unique<NullListener>()),
      writer_(store->OpenWriter(), config, listener_.get()) {
  writer_.Start();
  reader_ = store->OpenReader();
}

BotDatabase::~BotDatabase() {
  reader_.reset();
  writer_.Stop();
}

Status BotDatabase::Apply(store::Write write) {
  Event event{std::move(write), UnixNow(), std::chrono::steady_clock::now(), 0};
  uint64_t seq = 0;
  if (Status s = writer_.Submit(std::move(event), &seq); !s.ok()) return s;
  if (Status s = writer_.WaitCommitted(seq, std::chrono::steady_clock::now() + kCommitWait);
      !s.ok()) {
    return s;
  }
  return listener_->Take(seq);
}

Status BotDatabase::UserJoined(std::string_view username) {
  return Apply(store::UserJoined{std::string(username)});
}

Status BotDatabase::UserLeft(std::string_view username) {
  return Apply(store::UserLeft{std::string(username)});
}

Status BotDatabase::UserChatMessage(std::string_view username, std::string_view message) {
  return Apply(store::ChatMessage{std::string(username), std::string(message)});
}

Status BotDatabase::LogUserCount(int64_t chat_count, int64_t connected_count) {
  return Apply(store::UserCount{chat_count, connected_count});
}

Status BotDatabase::UpdateHighWaterMark(int64_t chat_count,
                                        std::optional<int64_t> connected_count) {
  return Apply(store::HighWater{chat_count, connected_count});
}

Status BotDatabase::LogChat(std::string_view username, std::string_view message,
                            std::optional<int64_t> timestamp) {
  return Apply(store::LogChat{std::string(username), std::string(message), timestamp});
}

Status BotDatabase::MarkOutboundSent(int64_t message_id) { return Apply(store::MarkSent{message_id}); }

Status BotDatabase::GetRecentMessages(int limit, int offset, std::vector<store::RecentMessageRow>* out) {
  return reader_->RecentMessages(limit, offset, out);
}

}  // namespace roseyd::testing
