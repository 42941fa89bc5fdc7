#include "store/sqlite/chat_lines.h"

#include <algorithm>
#include <string>
#include <variant>

namespace roseyd::store {
namespace {

std::string InsertSql(size_t rows) {
  std::string sql = "INSERT INTO recent_chat (timestamp, username, message) VALUES (?, ?, ?)";
  for (size_t i = 1; i < rows; ++i) sql += ", (?, ?, ?)";
  return sql;
}

// Binds the rows' (timestamp, username, message) from parameter 1 on.
Status InsertRows(Statement* stmt, std::span<const Event* const> rows) {
  Statement::Scope scope(stmt);
  int param = 0;
  for (const Event* event : rows) {
    const auto& line = std::get<ChatMessage>(event->write);
    stmt->Bind(++param, event->unix_time);
    stmt->Bind(++param, line.username);
    stmt->Bind(++param, line.message);
  }
  return stmt->Run();
}

}  // namespace

bool WantsChatRow(const ChatMessage& line) {
  constexpr std::string_view kServer = "server";
  const std::string_view name = line.username;
  const bool server =
      name.size() == kServer.size() &&
      std::equal(name.begin(), name.end(), kServer.begin(),
                 [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; });
  return !line.message.empty() && !name.empty() && !server;
}

ChatLineWriter::ChatLineWriter(Database* db)
    : count_lines_(db,
                   "UPDATE user_stats SET total_chat_lines = total_chat_lines + ?3,"
                   " last_seen = ?1 WHERE username = ?2",
                   true),
      insert_one_(db, InsertSql(1), true),
      insert_many_(db, InsertSql(kRowsPerInsert), true) {}

Status ChatLineWriter::Apply(std::span<const Event> run) {
  // Event by event, each line adds 1 and sets last_seen to its own time, so
  // the sum and the last time per user leave the same row.
  users_.clear();
  rows_.clear();
  for (const Event& event : run) {
    const auto& line = std::get<ChatMessage>(event.write);
    UserLines& user = users_[line.username];
    ++user.lines;
    user.last_seen = event.unix_time;
    if (WantsChatRow(line)) rows_.push_back(&event);
  }
  for (const auto& [username, user] : users_) {
    Statement::Scope scope(&count_lines_);
    count_lines_.Bind(1, user.last_seen);
    count_lines_.Bind(2, username);
    count_lines_.Bind(3, user.lines);
    if (Status s = count_lines_.Run(); !s.ok()) return s;
  }
  // Rows in event order, so ids ascend as they would one at a time.
  std::span<const Event* const> rest = rows_;
  for (; rest.size() >= kRowsPerInsert; rest = rest.subspan(kRowsPerInsert)) {
    if (Status s = InsertRows(&insert_many_, rest.first(kRowsPerInsert)); !s.ok()) return s;
  }
  for (; !rest.empty(); rest = rest.subspan(1)) {
    if (Status s = InsertRows(&insert_one_, rest.first(1)); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace roseyd::store
