#include "writer/pending_events.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/plugin_write.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::store {
namespace {

Event Make(Write write, int64_t unix_time, uint64_t trace_id = 0) {
  Event event{std::move(write), unix_time, {}, 0};
  event.trace_id = trace_id;
  return event;
}

// One event of every Write kind, with the awkward values each can hold.
std::vector<Event> EveryKind() {
  StatusUpdate status;
  status.fields = {{"bot_name", std::string("r\0sey", 5)},
                   {"bot_rank", 2.5},
                   {"bot_afk", int64_t{-1}},
                   {"current_media_title", std::monostate{}}};
  return {Make(UserJoined{"alice"}, 1),
          Make(UserLeft{""}, 2),
          Make(ChatMessage{"bob", std::string("\xff\xfe not utf-8 \n", 13)}, 3, 77),
          Make(UserCount{INT64_MIN, INT64_MAX}, 4),
          Make(HighWater{5, std::nullopt}, 5),
          Make(HighWater{6, 7}, 6),
          Make(status, 7),
          Make(MarkSent{42}, 8),
          Make(MarkFailed{43, "boom", true}, 9),
          Make(UserAction{"carol", "pm_command", "cmd=stats", 1'700'000'000}, 10),
          Make(UserAction{"carol", "pm_command", "cmd=x", std::nullopt}, 11),
          Make(LogChat{"dave", "hi", std::nullopt}, 12),
          Make(LogChat{"dave", "later", 99}, 13)};
}

std::string Opt(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "none"; }

// Every field of the event's write, so that a field lost on the way shows.
std::string Text(const Write& write) {
  struct Visitor {
    std::string operator()(const UserJoined& w) const { return "joined " + w.username; }
    std::string operator()(const UserLeft& w) const { return "left " + w.username; }
    std::string operator()(const ChatMessage& w) const {
      return "chat " + w.username + "|" + w.message;
    }
    std::string operator()(const UserCount& w) const {
      return "count " + std::to_string(w.chat_count) + "|" + std::to_string(w.connected_count);
    }
    std::string operator()(const HighWater& w) const {
      return "high " + std::to_string(w.chat_count) + "|" + Opt(w.connected_count);
    }
    std::string operator()(const StatusUpdate& w) const {
      std::string text = "status";
      for (const auto& [column, value] : w.fields) {
        text += " " + column + "=" + std::to_string(value.index()) + ":";
        if (const auto* i = std::get_if<int64_t>(&value)) text += std::to_string(*i);
        if (const auto* d = std::get_if<double>(&value)) text += std::to_string(*d);
        if (const auto* t = std::get_if<std::string>(&value)) text += *t;
      }
      return text;
    }
    std::string operator()(const MarkSent& w) const {
      return "sent " + std::to_string(w.message_id);
    }
    std::string operator()(const MarkFailed& w) const {
      return "failed " + std::to_string(w.message_id) + "|" + w.error + "|" +
             (w.is_permanent ? "permanent" : "retry");
    }
    std::string operator()(const UserAction& w) const {
      return "action " + w.username + "|" + w.action_type + "|" + w.details + "|" +
             Opt(w.timestamp);
    }
    std::string operator()(const LogChat& w) const {
      return "log " + w.username + "|" + w.message + "|" + Opt(w.timestamp);
    }
    std::string operator()(const std::shared_ptr<PluginWrite>& /*w*/) const { return "plugin"; }
  };
  return std::to_string(write.index()) + " " + std::visit(Visitor{}, write);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool Exists(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0;
}

TEST(PendingEventsTest, EveryKindRoundTripsInOrder) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db.pending");
  const std::vector<Event> written = EveryKind();
  ASSERT_OK(WritePendingEvents(path, written));
  EXPECT_FALSE(Exists(path + ".tmp"));
  std::vector<Event> read;
  ASSERT_OK(ReadPendingEvents(path, &read));
  ASSERT_EQ(read.size(), written.size());
  for (size_t i = 0; i < read.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(Text(read[i].write), Text(written[i].write));
    EXPECT_EQ(read[i].unix_time, written[i].unix_time);
    EXPECT_EQ(read[i].trace_id, written[i].trace_id);
    EXPECT_EQ(read[i].seq, 0u);  // the next writer numbers them
  }
}

// A plugin storage write is a request: answered by the process that took it
// or not at all, never applied by the next one.
TEST(PendingEventsTest, APluginStorageWriteIsNeverKept) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db.pending");
  Event plugin;
  plugin.write = std::make_shared<PluginWrite>(KvDelete{});
  const std::vector<Event> events = {plugin};
  const Status s = WritePendingEvents(path, events);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_FALSE(Exists(path));
}

TEST(PendingEventsTest, NoFileIsNoEvents) {
  testing::TempDir dir;
  std::vector<Event> read = EveryKind();
  ASSERT_OK(ReadPendingEvents(dir.File("absent"), &read));
  EXPECT_TRUE(read.empty());
}

TEST(PendingEventsTest, WritingNoEventsRemovesTheFile) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db.pending");
  ASSERT_OK(WritePendingEvents(path, EveryKind()));
  ASSERT_TRUE(Exists(path));
  ASSERT_OK(WritePendingEvents(path, {}));
  EXPECT_FALSE(Exists(path));
  ASSERT_OK(WritePendingEvents(path, {}));  // nothing to remove: fine too
}

TEST(PendingEventsTest, RewritingReplacesTheEvents) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db.pending");
  ASSERT_OK(WritePendingEvents(path, EveryKind()));
  const std::vector<Event> one = {Make(UserJoined{"only"}, 1)};
  ASSERT_OK(WritePendingEvents(path, one));
  std::vector<Event> read;
  ASSERT_OK(ReadPendingEvents(path, &read));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(Text(read[0].write), "0 joined only");
}

// A damaged file is refused, never half read.
TEST(PendingEventsTest, DamagedFilesAreRefusedNamingTheFile) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db.pending");
  ASSERT_OK(WritePendingEvents(path, EveryKind()));
  const std::string good = ReadAll(path);
  const auto refused = [&](const std::string& bytes, const char* why) {
    SCOPED_TRACE(why);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    std::vector<Event> read;
    const Status s = ReadPendingEvents(path, &read);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
    EXPECT_TRUE(read.empty());
  };
  refused(good.substr(0, good.size() - 1), "truncated");
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;
  refused(flipped, "a flipped bit");
  refused("not a pending-events file at all", "foreign");
  refused("", "empty");
}

TEST(PendingEventsTest, UnwritableDirectoryIsAnIoErrorNamingTheFile) {
  const std::string path = "/nonexistent-roseyd-dir/rosey.db.pending";
  const Status s = WritePendingEvents(path, EveryKind());
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace roseyd::store
