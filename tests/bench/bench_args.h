#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

namespace roseyd::bench {

// The benchmarks' command lines: "--key value" options and bare `flags`.
// Hands each to `apply(key, value)` (value "" for a flag), which returns
// false for a key it does not know; --help or -h prints `usage` and exits 0.
// Throws std::runtime_error, ending with the usage, for an unknown key or a
// key without its value.
inline void ParseBenchArgs(
    int argc, char** argv, const char* usage, std::initializer_list<std::string_view> flags,
    const std::function<bool(const std::string& key, const std::string& value)>& apply) {
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--help" || key == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    bool flag = false;
    for (std::string_view f : flags) flag = flag || key == f;
    if (!flag && i + 1 >= argc) throw std::runtime_error(key + " needs a value\n" + usage);
    const std::string value = flag ? std::string() : std::string(argv[++i]);
    if (!apply(key, value)) throw std::runtime_error("unknown option " + key + "\n" + usage);
  }
}

// `value` as a positive integer; throws, naming `key`, if it is not one.
inline int PositiveInt(const std::string& key, const std::string& value, const char* usage) {
  const int n = std::atoi(value.c_str());
  if (n <= 0) throw std::runtime_error(key + " must be a positive number\n" + usage);
  return n;
}

}  // namespace roseyd::bench
