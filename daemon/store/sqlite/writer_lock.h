#pragma once

#include <string>

namespace roseyd::store {

// One writer per SQLite file across processes: an advisory flock(2) on
// "<database>.lock", which holds the PID of the process that has it. Two
// roseyd on one file would split the bot's traffic between them and break
// read-your-writes; the second refuses to start instead. The kernel drops
// the lock when its holder exits, however it exits, so a leftover file
// never blocks a start. Programs that do not take the lock (Rosey itself,
// the sqlite3 shell) are not kept out: SQLite's own locking covers them.
//
// Thread: confined to its owner.
class WriterLock {
 public:
  // Takes the lock for the database at `database_path`. Throws StartupError
  // naming the file and the holder's PID when another process holds it.
  // Where the lock file cannot be created (a read-only folder), it takes no
  // lock and says so at debug level: opening the database reports the
  // problem in its own words.
  explicit WriterLock(const std::string& database_path);
  ~WriterLock();

  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace roseyd::store
