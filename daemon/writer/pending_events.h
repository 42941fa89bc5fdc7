#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/event.h"

namespace roseyd::store {

// The file where a stopping EventWriter keeps the events it received but
// could not commit within store.stop_timeout (the database locked by another
// program, a dead disk), so that the next start commits them, in order,
// before anything new. Nothing received is lost by a stop.
//
// A versioned binary file with a checksum, written whole to `<path>.tmp`,
// synced and renamed over `path`, so that a crash leaves either the old file
// or the new one. Each event keeps its write, its Unix time and its trace
// id; its sequence numbers and receive time are the next process's.
//
// Thread: the functions are thread-compatible; one writer per path.

// Replaces the file at `path` with `events` (none: removes it). IoError
// names the file and the OS error.
Status WritePendingEvents(const std::string& path, std::span<const Event> events);

// Reads the events at `path` into *events, in the order written; none when
// there is no file. Corruption (a bad checksum, a short file, an unknown
// kind) is an InvalidArgument naming the file: the caller keeps it.
Status ReadPendingEvents(const std::string& path, std::vector<Event>* events);

}  // namespace roseyd::store
