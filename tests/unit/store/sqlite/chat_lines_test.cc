// message.log lines written in bulk (ChatLineWriter) must leave the file
// exactly as one event at a time would.
#include "store/sqlite/chat_lines.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/writer/writer_fixture.h"
#include "writer/event_writer.h"
#include "writer/sqlite_event_writer.h"

namespace roseyd::store {
namespace {

// A mixed stream: joined and unknown users, the server, empty messages, and
// more rows than two bulk statements so the remainder path runs too.
std::vector<Event> ChatStream() {
  std::vector<Event> events;
  events.push_back(Event{UserJoined{"alice"}, kNow, {}, 0});
  events.push_back(Event{UserJoined{"bob"}, kNow, {}, 0});
  const char* users[] = {"alice", "bob", "carol", "Server", "alice", ""};
  for (int i = 0; i < 2 * static_cast<int>(ChatLineWriter::kRowsPerInsert) + 7; ++i) {
    const std::string message = i % 5 == 4 ? "" : "line " + std::to_string(i);
    events.push_back(Event{ChatMessage{users[i % 6], message}, kNow + i, {}, 0});
  }
  events.push_back(Event{UserLeft{"bob"}, kNow + 100, {}, 0});
  events.push_back(Event{ChatMessage{"bob", "after leaving"}, kNow + 101, {}, 0});
  return events;
}

// A file written by an EventWriter started only after `events` are all
// queued, so that they share batches of up to `batch` events.
class ChatFile {
 public:
  ChatFile(const std::vector<Event>& events, int batch, const char* trigger = nullptr) {
    StoreConfig config;
    config.batch_max_events = batch;
    writer_ = OpenSqliteEventWriter(config, path(), &listener);
    raw = std::make_unique<RawSqlite>(path());
    if (trigger != nullptr) {
      EXPECT_EQ(raw->Exec(trigger), "");
    }
    uint64_t last = 0;
    for (const Event& e : events) EXPECT_OK(writer_->Submit(e, &last));
    writer_->Start();
    EXPECT_OK(writer_->WaitCommitted(last, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
  }

  std::string path() const { return dir_.File("rosey.db"); }
  std::string Dump(const std::string& table, const std::string& columns) {
    return raw->Text("SELECT group_concat(" + columns + ", ';') FROM (SELECT * FROM " + table +
                     " ORDER BY rowid)")
        .value_or("<none>");
  }

  RecordingListener listener;
  std::unique_ptr<RawSqlite> raw;

 private:
  testing::TempDir dir_;
  std::unique_ptr<EventWriter> writer_;
};

TEST(ChatLineWriterTest, BulkLeavesTheSameRowsAsOneEventAtATime) {
  ChatFile one_by_one(ChatStream(), 1);
  ChatFile bulk(ChatStream(), 1024);
  ASSERT_EQ(bulk.listener.batch_sizes().size(), 1u) << "the stream must share one batch";

  const std::string chat = "id || '|' || timestamp || '|' || username || '|' || message";
  const std::string users =
      "username || '|' || first_seen || '|' || last_seen || '|' || total_chat_lines || '|' ||"
      " total_time_connected || '|' || IFNULL(current_session_start, 'null')";
  EXPECT_EQ(bulk.Dump("recent_chat", chat), one_by_one.Dump("recent_chat", chat));
  EXPECT_EQ(bulk.Dump("user_stats", users), one_by_one.Dump("user_stats", users));
  EXPECT_EQ(bulk.Dump("sqlite_sequence", "name || seq"),
            one_by_one.Dump("sqlite_sequence", "name || seq"));
  // And the rows are what the protocol says, not merely equal.
  EXPECT_EQ(bulk.raw->Int("SELECT COUNT(*) FROM recent_chat"), 23);
  EXPECT_EQ(bulk.raw->Int("SELECT total_chat_lines FROM user_stats WHERE username = 'alice'"),
            13);
}

TEST(ChatLineWriterTest, PoisonedLineInABulkRunIsTheOnlyOneRejected) {
  std::vector<Event> events;
  events.push_back(Event{UserJoined{"alice"}, kNow, {}, 0});
  for (int i = 0; i < 40; ++i) {
    events.push_back(Event{ChatMessage{"alice", i == 23 ? "poison" : "fine"}, kNow, {}, 0});
  }
  ChatFile file(events, 1024,
                "CREATE TRIGGER poison BEFORE INSERT ON recent_chat "
                "WHEN NEW.message = 'poison' BEGIN SELECT RAISE(ABORT, 'no'); END;");
  ASSERT_EQ(file.listener.batch_sizes().size(), 1u);
  ASSERT_EQ(file.listener.rejected_seqs().size(), 1u);
  EXPECT_EQ(file.listener.rejected_seqs()[0], 25u);  // seq 1 is the join
  EXPECT_EQ(file.raw->Int("SELECT COUNT(*) FROM recent_chat"), 39);
  EXPECT_EQ(file.raw->Int("SELECT total_chat_lines FROM user_stats"), 39);
  EXPECT_TRUE(file.listener.write_errors().empty());
}

TEST(ChatLineWriterTest, ServerAndEmptyLinesGetNoRow) {
  EXPECT_TRUE(WantsChatRow(ChatMessage{"alice", "hi"}));
  EXPECT_FALSE(WantsChatRow(ChatMessage{"alice", ""}));
  EXPECT_FALSE(WantsChatRow(ChatMessage{"", "hi"}));
  EXPECT_FALSE(WantsChatRow(ChatMessage{"SeRvEr", "hi"}));
  EXPECT_TRUE(WantsChatRow(ChatMessage{"servers", "hi"}));
}

}  // namespace
}  // namespace roseyd::store
