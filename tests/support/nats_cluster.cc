#include "support/nats_cluster.h"

#include <thread>

#include "bus/connection.h"

namespace roseyd::testing {

namespace {

constexpr const char* kClusterName = "roseyd-test";

std::string LoopbackUrl(int port) { return "nats://127.0.0.1:" + std::to_string(port); }

// A short-lived client of one node; null if it cannot be reached.
std::unique_ptr<bus::Connection> ConnectTo(const std::string& url) {
  bus::ConnectionOptions options;
  options.url = url;
  options.name = "nats-cluster-probe";
  options.retry_on_failed_connect = false;
  options.connect_timeout = std::chrono::milliseconds(1000);
  try {
    return std::make_unique<bus::Connection>(options);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

NatsCluster::NatsCluster(const std::string& dir, int size) : dir_(dir) {
  // Every port first: each node's routes name the others' cluster ports.
  std::vector<int> cluster_ports;
  for (int i = 0; i < size; ++i) {
    client_ports_.push_back(bus::FindFreePort());
    cluster_ports.push_back(bus::FindFreePort());
  }
  for (int i = 0; i < size; ++i) {
    std::string routes;
    for (int j = 0; j < size; ++j) {
      if (j == i) continue;
      if (!routes.empty()) routes += ',';
      routes += LoopbackUrl(cluster_ports[j]);
    }
    bus::EmbeddedServerOptions options;
    options.port = client_ports_[i];
    options.jetstream = true;
    options.store_dir = dir_ + "/" + name(i);
    options.log_file = log_file(i);
    // clang-format off
    options.extra_args = {"--name", name(i),
                          "--cluster_name", kClusterName,
                          "--cluster", LoopbackUrl(cluster_ports[i]),
                          "--routes", routes};
    // clang-format on
    nodes_.push_back(std::make_unique<bus::EmbeddedServer>(options));
  }
}

NatsCluster::~NatsCluster() = default;

std::string NatsCluster::name(int node) const { return "n" + std::to_string(node + 1); }

std::string NatsCluster::url(int node) const { return LoopbackUrl(client_ports_[node]); }

std::string NatsCluster::urls() const {
  std::string all;
  for (int i = 0; i < size(); ++i) all += (i == 0 ? "" : ",") + url(i);
  return all;
}

std::string NatsCluster::log_file(int node) const { return dir_ + "/" + name(node) + ".log"; }

int NatsCluster::NodeOfPort(int port) const {
  for (int i = 0; i < size(); ++i) {
    if (client_ports_[i] == port) return i;
  }
  return -1;
}

int NatsCluster::NodeNamed(const std::string& node_name) const {
  for (int i = 0; i < size(); ++i) {
    if (name(i) == node_name) return i;
  }
  return -1;
}

bool NatsCluster::WaitForMetaLeader(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < size(); ++i) {
    if (!running(i)) continue;
    // Before a meta leader is elected the node answers 503 (JetStream
    // temporarily unavailable) or not at all.
    for (;;) {
      if (const auto client = ConnectTo(url(i))) {
        std::string reply;
        if (client->Request("$JS.API.INFO", "", std::chrono::milliseconds(500), &reply).ok() &&
            reply.find("\"error\"") == std::string::npos) {
          break;
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return true;
}

std::string NatsCluster::Request(const std::string& subject, const std::string& payload,
                                 std::chrono::milliseconds timeout) {
  for (int i = 0; i < size(); ++i) {
    if (!running(i)) continue;
    const auto client = ConnectTo(url(i));
    if (!client) continue;
    std::string reply;
    if (client->Request(subject, payload, timeout, &reply).ok()) return reply;
    return "";
  }
  return "";
}

void NatsCluster::Kill(int node) {
  if (!nodes_[node]) return;
  nodes_[node]->Kill();
  nodes_[node].reset();
}

}  // namespace roseyd::testing
