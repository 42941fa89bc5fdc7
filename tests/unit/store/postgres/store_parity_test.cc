// The same events through SQLite and PostgreSQL give the same answer to
// every query of the protocol, field by field: what "behaves the same on
// both stores" means for the read side.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/postgres/pg_store.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/postgres/pg_fixture.h"
#include "unit/store/raw_sqlite.h"

namespace roseyd::store {
namespace {

std::string Optional(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "null"; }
std::string Optional(const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "null"; }

// Every reply of the Reader, as text to compare.
std::string Replies(Reader* reader, int64_t now) {
  std::ostringstream out;
  std::vector<OutboundRow> outbound;
  for (const int max_retries : {1, 3, 62}) {
    EXPECT_OK(reader->OutboundPending(50, max_retries, now, &outbound));
    out << "outbound(" << max_retries << "):";
    for (const auto& r : outbound) {
      out << " [" << r.id << " " << r.timestamp << " " << r.message << " " << r.retry_count << " "
          << Optional(r.last_error) << "]";
    }
    out << "\n";
  }
  std::vector<ChatRow> chat;
  for (const int limit : {0, 3, 100}) {
    EXPECT_OK(reader->RecentChat(limit, &chat));
    out << "recent_chat(" << limit << "):";
    for (const auto& r : chat) out << " [" << r.timestamp << " " << r.username << " " << r.message << "]";
    out << "\n";
  }
  std::vector<RecentMessageRow> messages;
  EXPECT_OK(reader->RecentMessages(4, 2, &messages));
  out << "recent_messages:";
  for (const auto& r : messages) {
    out << " [" << r.id << " " << r.timestamp << " " << r.username << " " << r.message << "]";
  }
  ChannelStats stats;
  EXPECT_OK(reader->GetChannelStats(&stats));
  out << "\nchannel: " << stats.max_users << " " << Optional(stats.max_users_timestamp) << " "
      << stats.max_connected << " " << Optional(stats.max_connected_timestamp) << " "
      << stats.total_users_seen << " top:";
  for (const auto& t : stats.top_chatters) out << " " << t.username << "=" << t.chat_lines;
  for (const char* user : {"alice", "Bob", "carol", "dave", "ghost", "SERVER", "nobody"}) {
    std::optional<UserStatsRow> row;
    EXPECT_OK(reader->GetUserStats(user, &row));
    out << "\nuser " << user << ":";
    if (row) {
      out << " " << row->username << " " << row->first_seen << " " << row->last_seen << " "
          << row->total_chat_lines << " " << row->total_time_connected << " "
          << Optional(row->current_session_start);
    }
  }
  for (const std::string_view table : TableNames()) {
    int64_t n = -1;
    EXPECT_OK(reader->CountRows(table, &n));
    out << "\ncount " << table << ": " << n;
  }
  return out.str();
}

// A day of a channel, in batches as the writer would group them.
std::vector<std::vector<Event>> Script() {
  const auto at = [](Write write, int64_t t) { return PgEventAt(std::move(write), 0, t); };
  return {
      {at(UserJoined{"alice"}, 1000), at(UserJoined{"Bob"}, 1000), at(UserJoined{"carol"}, 1001),
       at(HighWater{3, 5}, 1001), at(UserCount{3, 5}, 1001)},
      {at(ChatMessage{"alice", "hi all"}, 1002), at(ChatMessage{"Bob", "hey"}, 1002),
       at(ChatMessage{"SERVER", "notice"}, 1002), at(ChatMessage{"carol", ""}, 1003),
       at(ChatMessage{"ghost", "who?"}, 1003), at(ChatMessage{"alice", "same second"}, 1003)},
      {at(ChatMessage{"Bob", "one at a time"}, 1004), at(UserLeft{"carol"}, 1010),
       at(UserLeft{"never joined"}, 1010), at(HighWater{2, std::nullopt}, 1011),
       at(HighWater{4, 0}, 1012), at(HighWater{4, 9}, 1013)},
      {at(StatusUpdate{{{"bot_name", StatusValue{std::string("Rosey")}},
                        {"bot_rank", StatusValue{3.0}},
                        {"bot_connected", StatusValue{int64_t{1}}}}},
          1014),
       at(UserAction{"alice", "pm_command", "cmd=skip, result: pending", 999}, 1014),
       at(UserAction{"alice", "pm_command", "cmd=skip, result: success", std::nullopt}, 1015),
       at(LogChat{"dave", "logged by the store API", std::nullopt}, 1016),
       at(LogChat{"dave", "with its own time", 900}, 1016)},
      {at(MarkSent{1}, 1020), at(MarkFailed{2, "muted", false}, 1021),
       at(MarkFailed{3, "banned", true}, 1022), at(MarkFailed{4, "slow", false}, 1023),
       at(MarkFailed{4, "slow again", false}, 1024), at(MarkSent{99}, 1025),
       at(UserJoined{"carol"}, 1030), at(ChatMessage{"carol", "back"}, 1031),
       at(UserJoined{"dave"}, 1032)},
  };
}

class StoreParityTest : public PgTest {
 protected:
  void SetUp() override {
    sqlite_ = OpenSqliteStore(StoreConfig{}, dir_.File("rosey.db"));
    postgres_ = OpenPostgresStore(url());
    sqlite_writer_ = sqlite_->OpenWriter();
    postgres_writer_ = postgres_->OpenWriter();
    // The web UI queues outbound messages behind roseyd's back.
    const std::string rows =
        "INSERT INTO outbound_messages (\"timestamp\", message) VALUES (1000, 'one'),"
        " (1000, 'two'), (1001, 'three'), (1002, 'four'), (1003, 'five')";
    RawSqlite raw(dir_.File("rosey.db"));
    ASSERT_EQ(raw.Exec(rows), "");
    ASSERT_EQ(client_.Exec(rows), "");
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> sqlite_, postgres_;
  std::unique_ptr<StoreWriter> sqlite_writer_, postgres_writer_;
};

TEST_F(StoreParityTest, EveryQueryAnswersTheSameAfterTheSameEvents) {
  for (std::vector<Event>& batch : Script()) {
    std::vector<RefusedEvent> sqlite_rejected, postgres_rejected;
    ASSERT_OK(sqlite_writer_->ApplyBatch(batch, &sqlite_rejected));
    ASSERT_OK(postgres_writer_->ApplyBatch(batch, &postgres_rejected));
    EXPECT_TRUE(sqlite_rejected.empty());
    EXPECT_TRUE(postgres_rejected.empty()) << postgres_rejected[0].why.ToString();
  }
  const std::unique_ptr<Reader> sqlite_reader = sqlite_->OpenReader();
  const std::unique_ptr<Reader> postgres_reader = postgres_->OpenReader();
  for (const int64_t now : {1000, 1141, 1263, 1500, 100000}) {
    const std::string expected = Replies(sqlite_reader.get(), now);
    EXPECT_EQ(Replies(postgres_reader.get(), now), expected) << "now " << now;
  }
  // And after a clean stop, which closes the open sessions.
  ASSERT_OK(sqlite_writer_->CloseSessions(2000));
  ASSERT_OK(postgres_writer_->CloseSessions(2000));
  EXPECT_EQ(Replies(postgres_reader.get(), 2000), Replies(sqlite_reader.get(), 2000));
  // The protocol's sanity: the script did touch what it meant to.
  const std::string replies = Replies(postgres_reader.get(), 1263);
  EXPECT_NE(replies.find("user alice: alice 1000 2000 2 1000 null"), std::string::npos) << replies;
  EXPECT_NE(replies.find("top: Bob=2 alice=2 carol=2"), std::string::npos) << replies;
}

}  // namespace
}  // namespace roseyd::store
