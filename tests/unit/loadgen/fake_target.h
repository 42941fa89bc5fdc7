#pragma once

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "loadgen/bench_target.h"

namespace roseyd::loadgen {

// A BenchTarget with no service behind it: it records the commit listeners
// it is given and cannot restart anything. By default nothing listens at its
// NATS URL (connecting fails at once) and its database does not exist.
//
// Thread: one thread at a time (the test's, or a background run's).
class FakeTarget : public BenchTarget {
 public:
  FakeTarget() = default;
  explicit FakeTarget(std::string url) : url(std::move(url)) {}

  void BeginRun() override {
    ++runs_begun;
    if (!begin_error.empty()) throw std::runtime_error(begin_error);
  }
  void EndRun() noexcept override { ++runs_ended; }
  std::string NatsUrl() const override { return url; }
  bus::ConnectionOptions ClientOptions() const override {
    bus::ConnectionOptions options;
    options.url = url;
    return options;
  }
  std::string SubjectPrefix() const override { return "rosey.db"; }
  std::string ConfigUsed() const override { return "fake: \"target\"\n"; }
  std::string DatabasePath() const override { return database_path; }
  bool ServiceInProcess() const override { return in_process; }
  void AddCommitListener(store::CommitListener* listener) override {
    listeners.push_back(listener);
    ++adds;
  }
  void RemoveCommitListener(store::CommitListener* listener) override {
    listeners.erase(std::remove(listeners.begin(), listeners.end(), listener), listeners.end());
    ++removes;
  }
  store::EventWriter* Writer() override { return nullptr; }
  bool RestartService(RestartTiming*, std::string* why, const std::function<void()>&,
                      const std::string&) override {
    *why = "test target";
    return false;
  }
  std::unique_ptr<ReplicaSet> StartReplicas(int) override {
    throw std::runtime_error("test target");
  }

  std::string url = "nats://127.0.0.1:1";
  std::string database_path = "/nonexistent/rosey.db";
  bool in_process = true;
  std::vector<store::CommitListener*> listeners;  // registered now
  int adds = 0;
  int removes = 0;
  int runs_begun = 0;
  int runs_ended = 0;
  std::string begin_error;  // BeginRun throws it when not empty
};

}  // namespace roseyd::loadgen
