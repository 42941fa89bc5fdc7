#include "writer/pending_events.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <variant>

namespace roseyd::store {

namespace {

constexpr std::string_view kMagic = "roseyd pending events v1\n";

// Plugin storage writes are requests, answered by the running process or
// not at all: they are never kept (EventWriter leaves them out).
static_assert(std::variant_size_v<Write> == 11,
              "a new store::Write kind needs a tag and its fields in pending_events.cc");

// Stable on disk: never renumber, only add.
enum Tag : uint8_t {
  kUserJoined = 1,
  kUserLeft,
  kChatMessage,
  kUserCount,
  kHighWater,
  kStatusUpdate,
  kMarkSent,
  kMarkFailed,
  kUserAction,
  kLogChat,
};

// FNV-1a, 64 bit: catches a damaged file, not an attacker.
uint64_t Checksum(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(out) {}

  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>(v >> (8 * i)));
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(const std::string& s) {
    U64(s.size());
    out_->append(s);
  }
  void OptI64(const std::optional<int64_t>& v) {
    U8(v ? 1 : 0);
    if (v) I64(*v);
  }

  void operator()(const UserJoined& w) {
    U8(kUserJoined);
    Str(w.username);
  }
  void operator()(const UserLeft& w) {
    U8(kUserLeft);
    Str(w.username);
  }
  void operator()(const ChatMessage& w) {
    U8(kChatMessage);
    Str(w.username);
    Str(w.message);
  }
  void operator()(const UserCount& w) {
    U8(kUserCount);
    I64(w.chat_count);
    I64(w.connected_count);
  }
  void operator()(const HighWater& w) {
    U8(kHighWater);
    I64(w.chat_count);
    OptI64(w.connected_count);
  }
  void operator()(const StatusUpdate& w) {
    U8(kStatusUpdate);
    U64(w.fields.size());
    for (const auto& [column, value] : w.fields) {
      Str(column);
      U8(static_cast<uint8_t>(value.index()));
      if (const auto* i = std::get_if<int64_t>(&value)) I64(*i);
      if (const auto* d = std::get_if<double>(&value)) {
        uint64_t bits = 0;
        std::memcpy(&bits, d, sizeof(bits));
        U64(bits);
      }
      if (const auto* s = std::get_if<std::string>(&value)) Str(*s);
    }
  }
  void operator()(const MarkSent& w) {
    U8(kMarkSent);
    I64(w.message_id);
  }
  void operator()(const MarkFailed& w) {
    U8(kMarkFailed);
    I64(w.message_id);
    Str(w.error);
    U8(w.is_permanent ? 1 : 0);
  }
  void operator()(const UserAction& w) {
    U8(kUserAction);
    Str(w.username);
    Str(w.action_type);
    Str(w.details);
    OptI64(w.timestamp);
  }
  void operator()(const LogChat& w) {
    U8(kLogChat);
    Str(w.username);
    Str(w.message);
    OptI64(w.timestamp);
  }
  void operator()(const std::shared_ptr<PluginWrite>& /*w*/) {}  // refused before encoding

 private:
  std::string* const out_;
};

// Reads what Encoder wrote; every read checks the bounds, and the first
// failure sticks.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }

  uint8_t U8() {
    if (!Need(1)) return 0;
    const auto v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(in_[i])} << (8 * i);
    in_.remove_prefix(8);
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  std::string Str() {
    const uint64_t size = U64();
    if (!Need(size)) return {};
    std::string s(in_.substr(0, size));
    in_.remove_prefix(size);
    return s;
  }
  std::optional<int64_t> OptI64() {
    if (U8() == 0) return std::nullopt;
    return I64();
  }

  Write Next() {
    switch (U8()) {
      case kUserJoined: return UserJoined{Str()};
      case kUserLeft: return UserLeft{Str()};
      case kChatMessage: {
        ChatMessage w;
        w.username = Str();
        w.message = Str();
        return w;
      }
      case kUserCount: {
        UserCount w;
        w.chat_count = I64();
        w.connected_count = I64();
        return w;
      }
      case kHighWater: {
        HighWater w;
        w.chat_count = I64();
        w.connected_count = OptI64();
        return w;
      }
      case kStatusUpdate: return NextStatusUpdate();
      case kMarkSent: return MarkSent{I64()};
      case kMarkFailed: {
        MarkFailed w;
        w.message_id = I64();
        w.error = Str();
        w.is_permanent = U8() != 0;
        return w;
      }
      case kUserAction: {
        UserAction w;
        w.username = Str();
        w.action_type = Str();
        w.details = Str();
        w.timestamp = OptI64();
        return w;
      }
      case kLogChat: {
        LogChat w;
        w.username = Str();
        w.message = Str();
        w.timestamp = OptI64();
        return w;
      }
      default: ok_ = false; return UserJoined{};
    }
  }

 private:
  StatusUpdate NextStatusUpdate() {
    StatusUpdate w;
    const uint64_t n = U64();
    for (uint64_t i = 0; ok_ && i < n; ++i) {
      std::string column = Str();
      StatusValue value;
      switch (U8()) {
        case 0: break;
        case 1: value = I64(); break;
        case 2: {
          const uint64_t bits = U64();
          double d = 0;
          std::memcpy(&d, &bits, sizeof(d));
          value = d;
          break;
        }
        case 3: value = Str(); break;
        default: ok_ = false;
      }
      w.fields.emplace_back(std::move(column), std::move(value));
    }
    return w;
  }

  bool Need(uint64_t n) {
    if (ok_ && in_.size() >= n) return true;
    ok_ = false;
    return false;
  }

  std::string_view in_;
  bool ok_ = true;
};

static_assert(std::is_same_v<StatusValue, std::variant<std::monostate, int64_t, double, std::string>>,
              "the status value tags in pending_events.cc follow this order");

Status IoError(const std::string& path, const char* what) {
  return Status::IoError(path + ": " + what + ": " + std::strerror(errno));
}

// Writes `bytes` to `path` and syncs it to disk.
Status WriteSynced(const std::string& path, std::string_view bytes) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(path, "cannot create");
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = IoError(path, "cannot write");
      close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    Status s = IoError(path, "cannot sync");
    close(fd);
    return s;
  }
  if (close(fd) != 0) return IoError(path, "cannot close");
  return Status::OK();
}

// The rename survives a crash only once the directory is synced too.
void SyncDirectoryOf(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

}  // namespace

Status WritePendingEvents(const std::string& path, std::span<const Event> events) {
  if (events.empty()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) return Status::IoError(path + ": cannot remove: " + ec.message());
    SyncDirectoryOf(path);
    return Status::OK();
  }
  for (const Event& event : events) {
    if (std::holds_alternative<std::shared_ptr<PluginWrite>>(event.write)) {
      return Status::InvalidArgument(path + ": a plugin storage write is never kept");
    }
  }
  std::string bytes(kMagic);
  Encoder encoder(&bytes);
  encoder.U64(events.size());
  for (const Event& event : events) {
    encoder.I64(event.unix_time);
    encoder.U64(event.trace_id);
    std::visit(encoder, event.write);
  }
  encoder.U64(Checksum(bytes));
  const std::string temp = path + ".tmp";
  if (Status s = WriteSynced(temp, bytes); !s.ok()) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    return s;
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) return IoError(path, "cannot rename into");
  SyncDirectoryOf(path);
  return Status::OK();
}

Status ReadPendingEvents(const std::string& path, std::vector<Event>* events) {
  events->clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return Status::OK();
    return IoError(path, "cannot open");
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto corrupt = [&](const std::string& why) {
    events->clear();
    return Status::InvalidArgument(path + ": not a pending-events file roseyd can read (" + why +
                                   ")");
  };
  if (!std::string_view(bytes).starts_with(kMagic) || bytes.size() < kMagic.size() + 16) {
    return corrupt("no header");
  }
  const std::string_view body(bytes.data(), bytes.size() - 8);
  Decoder trailer(std::string_view(bytes).substr(bytes.size() - 8));
  if (trailer.U64() != Checksum(body)) return corrupt("checksum mismatch");
  Decoder decoder(body.substr(kMagic.size()));
  const uint64_t count = decoder.U64();
  for (uint64_t i = 0; i < count && decoder.ok(); ++i) {
    Event event;
    event.unix_time = decoder.I64();
    event.trace_id = decoder.U64();
    event.write = decoder.Next();
    events->push_back(std::move(event));
  }
  if (!decoder.ok() || !decoder.done()) return corrupt("bad record");
  return Status::OK();
}

}  // namespace roseyd::store
