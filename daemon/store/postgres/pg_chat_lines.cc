#include "store/postgres/pg_chat_lines.h"

#include <charconv>
#include <variant>

#include "store/sqlite/chat_lines.h"

namespace roseyd::store {
namespace {

// The text form of an array is "{a,b}": it is "{" until closed, so
// size() > 1 means it has elements.
void Open(std::string* array) { array->assign(1, '{'); }

void Close(std::string* array) { array->push_back('}'); }

// Elements are quoted, '"' and '\' escaped, so that any text (commas,
// braces, "NULL") stays one verbatim element.
void AppendText(std::string* array, std::string_view text) {
  if (array->size() > 1) array->push_back(',');
  array->push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') array->push_back('\\');
    array->push_back(c);
  }
  array->push_back('"');
}

void AppendInt(std::string* array, int64_t value) {
  if (array->size() > 1) array->push_back(',');
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  array->append(digits, end);
}

constexpr const char* kCountLines =
    "UPDATE user_stats AS u SET total_chat_lines = u.total_chat_lines + d.lines,"
    " last_seen = d.last_seen"
    " FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS d(username, lines, last_seen)"
    " WHERE u.username = d.username";
// ORDER BY the ordinality: the ids follow the events' order.
constexpr const char* kInsertRows =
    "INSERT INTO recent_chat (\"timestamp\", username, message)"
    " SELECT t, u, m FROM unnest($1::bigint[], $2::text[], $3::text[])"
    " WITH ORDINALITY AS r(t, u, m, n) ORDER BY n";

}  // namespace

Status PgChatLines::Prepare() {
  if (Status s = conn_->Prepare("chat_count_lines", kCountLines); !s.ok()) return s;
  return conn_->Prepare("chat_insert_rows", kInsertRows);
}

bool PgChatLines::Takes(const Event& event) {
  return std::holds_alternative<ChatMessage>(event.write) ||
         std::holds_alternative<LogChat>(event.write);
}

void PgChatLines::Clear() {
  users_.clear();
  for (std::string* array : {&times_, &row_usernames_, &messages_}) Open(array);
  has_rows_ = false;
}

void PgChatLines::Add(const Event& event) {
  int64_t time = event.unix_time;
  const std::string* username = nullptr;
  const std::string* message = nullptr;
  if (const auto* log = std::get_if<LogChat>(&event.write)) {
    time = log->timestamp.value_or(event.unix_time);
    username = &log->username;
    message = &log->message;
  } else {
    const auto& line = std::get<ChatMessage>(event.write);
    UserLines& user = users_[line.username];
    ++user.lines;
    user.last_seen = event.unix_time;
    if (!WantsChatRow(line)) return;
    username = &line.username;
    message = &line.message;
  }
  AppendInt(&times_, time);
  AppendText(&row_usernames_, *username);
  AppendText(&messages_, *message);
  has_rows_ = true;
}

Status PgChatLines::SendCounts(const std::string_view* only) {
  for (std::string* array : {&usernames_, &lines_, &last_seen_}) Open(array);
  const auto append = [this](std::string_view username, const UserLines& user) {
    AppendText(&usernames_, username);
    AppendInt(&lines_, user.lines);
    AppendInt(&last_seen_, user.last_seen);
  };
  if (only != nullptr) {
    const auto it = users_.find(*only);
    append(it->first, it->second);
    users_.erase(it);  // the others stay pending
  } else {
    for (const auto& [username, user] : users_) append(username, user);
    users_.clear();
  }
  for (std::string* array : {&usernames_, &lines_, &last_seen_}) Close(array);
  params_.Clear();
  params_.Add(usernames_);
  params_.Add(lines_);
  params_.Add(last_seen_);
  return conn_->SendPrepared("chat_count_lines", params_);
}

Status PgChatLines::FlushUser(std::string_view username, int* commands) {
  *commands = 0;
  if (!users_.contains(username)) return Status::OK();
  *commands = 1;
  return SendCounts(&username);
}

Status PgChatLines::FlushAll(int* commands) {
  *commands = 0;
  if (users_.empty() && !has_rows_) return Status::OK();
  *commands = 2;
  if (Status s = SendCounts(nullptr); !s.ok()) return s;
  for (std::string* array : {&times_, &row_usernames_, &messages_}) Close(array);
  params_.Clear();
  params_.Add(times_);
  params_.Add(row_usernames_);
  params_.Add(messages_);
  Status s = conn_->SendPrepared("chat_insert_rows", params_);
  Clear();
  return s;
}

}  // namespace roseyd::store
