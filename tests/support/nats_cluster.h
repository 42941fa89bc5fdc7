#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bus/embedded_server.h"

namespace roseyd::testing {

// A cluster of nats-server children with JetStream on loopback, for tests of
// a replicated stream: each node has a free client port, a free cluster port
// with routes to the others, a store folder of its own under `dir`, and a
// name ("n1", "n2", ...). Built on bus::EmbeddedServer, so a node dies with
// the test process.
//
// Thread: confined to the test's thread. A bus::NatsLibrary must be open.
class NatsCluster {
 public:
  // Starts `size` nodes and returns once each accepts client connections;
  // JetStream may not have a meta leader yet (WaitForMetaLeader). Throws
  // StartupError if a node cannot start.
  explicit NatsCluster(const std::string& dir, int size = 3);
  ~NatsCluster();  // stops the nodes still running

  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  int size() const { return static_cast<int>(nodes_.size()); }
  std::string name(int node) const;  // its server name, "n1" for node 0
  std::string url(int node) const;   // its client URL, nats://127.0.0.1:port
  std::string urls() const;          // every node's client URL, comma-separated
  std::string log_file(int node) const;
  // The node whose client port is `port`, or -1.
  int NodeOfPort(int port) const;
  // The node named `name`, or -1.
  int NodeNamed(const std::string& name) const;
  bool running(int node) const { return nodes_[node] != nullptr; }

  // Waits until every running node answers $JS.API.INFO without an error,
  // i.e. JetStream has a meta leader they all know. False on timeout.
  bool WaitForMetaLeader(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // A request through the first running node; empty on timeout or if none
  // can be reached (e.g. "$JS.API.STREAM.INFO.<name>").
  std::string Request(const std::string& subject, const std::string& payload = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds(2));

  // SIGKILL node `node` at once (its store stays); idempotent.
  void Kill(int node);

 private:
  std::string dir_;
  std::vector<int> client_ports_;
  std::vector<std::unique_ptr<bus::EmbeddedServer>> nodes_;  // null once killed
};

}  // namespace roseyd::testing
