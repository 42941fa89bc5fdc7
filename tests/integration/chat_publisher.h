#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "bus/connection.h"

namespace roseyd::testing {

// Publishes `count` numbered rosey.db.message.log events of user "load"
// ("line 0", "line 1", ...) from a thread of its own, `per_ms` every
// millisecond, as the bot would (plain core NATS publishes); a test then
// counts which numbers reached the database.
//
// Thread: construct, sent() and Join() from the test's thread.
class ChatPublisher {
 public:
  ChatPublisher(bus::Connection* connection, int count, int per_ms)
      : thread_([=, this] {
          for (int i = 0; i < count; ++i) {
            const std::string payload =
                R"({"username":"load","message":"line )" + std::to_string(i) + "\"}";
            if (connection->Publish("rosey.db.message.log", payload).ok()) sent_.fetch_add(1);
            if ((i + 1) % per_ms == 0) {
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
          }
          (void)connection->Flush(std::chrono::milliseconds(5000));
        }) {}
  ~ChatPublisher() { Join(); }

  ChatPublisher(const ChatPublisher&) = delete;
  ChatPublisher& operator=(const ChatPublisher&) = delete;

  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  int sent() const { return sent_.load(); }

 private:
  std::atomic<int> sent_{0};
  std::thread thread_;  // last: starts once sent_ exists
};

}  // namespace roseyd::testing
