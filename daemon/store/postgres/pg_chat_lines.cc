#include "store/postgres/pg_chat_lines.h"

#include <charconv>
#include <variant>

#include "store/sqlite/chat_lines.h"

namespace roseyd::store {
namespace {

// The text form of an array: elements quoted, '"' and '\' escaped, so that
// any text (commas, braces, "NULL") stays one verbatim element.
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

// An array is "{" until closed, so size() > 1 means it has elements.
void Open(std::string* array) { array->assign(1, '{'); }
void Close(std::string* array) { array->push_back('}'); }

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

Status PgChatLines::Queue(std::span<const Event> run) {
  users_.clear();
  for (std::string* array : {&times_, &row_usernames_, &messages_}) Open(array);
  for (const Event& event : run) {
    const auto& line = std::get<ChatMessage>(event.write);
    UserLines& user = users_[line.username];
    ++user.lines;
    user.last_seen = event.unix_time;
    if (!WantsChatRow(line)) continue;
    AppendInt(&times_, event.unix_time);
    AppendText(&row_usernames_, line.username);
    AppendText(&messages_, line.message);
  }
  for (std::string* array : {&usernames_, &lines_, &last_seen_}) Open(array);
  for (const auto& [username, user] : users_) {
    AppendText(&usernames_, username);
    AppendInt(&lines_, user.lines);
    AppendInt(&last_seen_, user.last_seen);
  }
  for (std::string* array : {&usernames_, &lines_, &last_seen_, &times_, &row_usernames_,
                             &messages_}) {
    Close(array);
  }
  params_.Clear();
  params_.Add(usernames_);
  params_.Add(lines_);
  params_.Add(last_seen_);
  if (Status s = conn_->SendPrepared("chat_count_lines", params_); !s.ok()) return s;
  params_.Clear();
  params_.Add(times_);
  params_.Add(row_usernames_);
  params_.Add(messages_);
  return conn_->SendPrepared("chat_insert_rows", params_);
}

}  // namespace roseyd::store
