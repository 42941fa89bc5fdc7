#include "integration/bench_world.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace roseyd::testing {

const char kSmallCatalog[] = R"(
suites:
  quick: [single_event_latency, request_reply_latency, mixed_event_types, service_restart,
          capacity, burst]
  slow: [slow]
  failing: [failing]
scenarios:
  - name: single_event_latency
    kind: events
    category: latency
    priority: P0
    description: chat lines at a constant rate
    rate: 200
    events: 300
    targets:
      - {metric: lost, at_most: 0}
  - name: request_reply_latency
    kind: requests
    category: latency
    priority: P0
    description: the four query subjects in turn
    rate: 200
    events: 200
    targets:
      - {metric: failed_requests, at_most: 0}
  - name: mixed_event_types
    kind: mixed
    category: throughput
    priority: P1
    description: every event subject and queries
    rate: 200
    duration: 2s
    publishers: 2
    targets:
      - {metric: rows_wrong, at_most: 0}
  - name: service_restart
    kind: restart
    category: failure_recovery
    priority: P1
    description: the service restarted under load
    rate: 200
    duration: 2s
    targets:
      - {metric: ready_to_first_commit_ms, at_most: 1000}
  - name: capacity
    kind: capacity
    category: throughput
    priority: P2
    description: a short ramp
    rates: [500, 1000]
    step: 1s
    publishers: 2
    p99_target_ms: 1000
    targets:
      - {metric: capacity_events_per_second, at_least: 500}
  - name: burst
    kind: burst
    category: throughput
    priority: P2
    description: lines back to back
    events: 500
    targets:
      - {metric: lost, at_most: 0}
  - name: slow
    kind: events
    category: throughput
    priority: P0
    description: a minute of chat lines, to be cancelled
    rate: 50
    duration: 60s
    targets:
      - {metric: lost, at_most: 0}
  - name: failing
    kind: events
    category: latency
    priority: P0
    description: a target no service meets
    rate: 100
    events: 50
    targets:
      # Ten times the offered rate: a count, so never excused as noise
      # (DISTURBED is for timing targets).
      - {metric: persisted_per_second, at_least: 1000}
)";

std::string SnapshotTables(const std::string& path) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_busy_timeout(db, 5000);
  std::vector<std::string> tables;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
                     &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  for (const std::string& table : tables) {
    std::vector<std::string> rows;
    stmt = nullptr;
    if (sqlite3_prepare_v2(db, ("SELECT * FROM \"" + table + "\"").c_str(), -1, &stmt, nullptr) !=
        SQLITE_OK) {
      ADD_FAILURE() << table << ": " << sqlite3_errmsg(db);
      continue;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        row += std::string(c ? "|" : "") + (text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      rows.push_back(row);
    }
    sqlite3_finalize(stmt);
    std::sort(rows.begin(), rows.end());
    out += "table " + table + " (" + std::to_string(rows.size()) + " rows)\n";
    for (const std::string& row : rows) out += "  " + row + "\n";
  }
  sqlite3_close(db);
  return out;
}

}  // namespace roseyd::testing
