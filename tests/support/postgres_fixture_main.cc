// roseyd_test_postgres start DIR | stop DIR: the ctest fixture `postgres`,
// one PostgreSQL cluster for a whole test run (see PostgresServer).

#include <cstdio>
#include <exception>
#include <string>

#include "support/postgres_server.h"

int main(int argc, char** argv) {
  const std::string command = argc == 3 ? argv[1] : "";
  if (command != "start" && command != "stop") {
    std::fprintf(stderr, "usage: roseyd_test_postgres start|stop DIR\n");
    return 2;
  }
  try {
    if (command == "start") {
      roseyd::testing::PostgresServer::StartDetached(argv[2]);
    } else {
      roseyd::testing::PostgresServer::StopDetached(argv[2]);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roseyd_test_postgres %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
