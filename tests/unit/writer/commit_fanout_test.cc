#include "writer/commit_fanout.h"

#include <vector>

#include <gtest/gtest.h>

namespace roseyd::store {
namespace {

class RecordingListener : public CommitListener {
 public:
  void OnCommitted(std::span<const Event> batch, std::chrono::nanoseconds) noexcept override {
    for (const Event& e : batch) committed.push_back(e.seq);
  }
  void OnRejected(const Event& event, const Status&) noexcept override {
    rejected.push_back(event.seq);
  }
  void OnWriteError(const Status&) noexcept override { ++write_errors; }

  std::vector<uint64_t> committed;
  std::vector<uint64_t> rejected;
  int write_errors = 0;
};

Event EventWithSeq(uint64_t seq) {
  Event e{UserJoined{"alice"}};
  e.seq = seq;
  return e;
}

TEST(CommitFanoutTest, EveryListenerHearsEveryNotification) {
  RecordingListener first, second;
  CommitFanout fanout(&first);
  fanout.Add(&second);
  const std::vector<Event> batch{EventWithSeq(1), EventWithSeq(2)};
  fanout.OnCommitted(batch, std::chrono::nanoseconds(5));
  fanout.OnRejected(EventWithSeq(3), Status::InvalidArgument("bad row"));
  fanout.OnWriteError(Status::IoError("disk full"));
  for (const RecordingListener* l : {&first, &second}) {
    EXPECT_EQ(l->committed, (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(l->rejected, (std::vector<uint64_t>{3}));
    EXPECT_EQ(l->write_errors, 1);
  }
}

TEST(CommitFanoutTest, RemovedListenerIsNotCalledAgain) {
  RecordingListener first, second;
  CommitFanout fanout(&first);
  fanout.Add(&second);
  fanout.Remove(&second);
  const std::vector<Event> batch{EventWithSeq(7)};
  fanout.OnCommitted(batch, std::chrono::nanoseconds(1));
  EXPECT_EQ(first.committed, (std::vector<uint64_t>{7}));
  EXPECT_TRUE(second.committed.empty());
}

}  // namespace
}  // namespace roseyd::store
