#pragma once

#include <chrono>

namespace roseyd {

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it
// starts afterwards, so that WaitForStopSignal can take them synchronously.
// Also ignores SIGPIPE (a peer that went away is an error to handle, not a
// reason to die) and SIGXFSZ (past a file size limit, such as systemd's
// LimitFSIZE=, a write fails and is retried like a full disk).
// REQUIRES: called in main() before any thread exists.
void BlockStopSignals();

// Waits up to `timeout` for SIGINT or SIGTERM. Returns the signal number, or
// 0 if none came. REQUIRES: BlockStopSignals() ran.
int WaitForStopSignal(std::chrono::milliseconds timeout);

// "SIGINT", "SIGTERM", or the number, for logs.
const char* StopSignalName(int number);

}  // namespace roseyd
