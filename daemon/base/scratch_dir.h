#pragma once

#include <string>
#include <string_view>

namespace roseyd {

// A fresh folder under $TMPDIR (else /tmp), named "<prefix>-XXXXXX", removed
// with everything in it when the object dies (on every way out but
// std::exit); a failure to remove it is logged.
//
// Thread: confined to one thread at a time.
class ScratchDir {
 public:
  // Throws std::runtime_error naming the folder when it cannot be made.
  explicit ScratchDir(std::string_view prefix);
  ~ScratchDir();

  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace roseyd
