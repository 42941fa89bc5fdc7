#include "service/request_registry.h"

#include <algorithm>

#include "base/startup_error.h"
#include "service/subject.h"

namespace roseyd::service {

namespace {

constexpr std::string_view kAnyToken = "*";

std::vector<std::string> Tokens(std::string_view pattern) {
  std::vector<std::string> tokens;
  for (;;) {
    const size_t dot = pattern.find('.');
    tokens.emplace_back(pattern.substr(0, dot));
    if (dot == std::string_view::npos) return tokens;
    pattern.remove_prefix(dot + 1);
  }
}

// At most one "*": a request carries one wildcard value (Request::wildcard).
bool WellFormed(const std::vector<std::string>& tokens) {
  if (std::count(tokens.begin(), tokens.end(), kAnyToken) > 1) return false;
  for (const auto& token : tokens) {
    if (token.empty() || token.find('>') != std::string::npos) return false;
    if (token != kAnyToken && token.find('*') != std::string::npos) return false;
    if (token.find_first_of(" \t\r\n") != std::string::npos) return false;
  }
  return true;
}

// Some subject matches both patterns.
bool Overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && a[i] != kAnyToken && b[i] != kAnyToken) return false;
  }
  return true;
}

// `rest` (the subject after "<prefix>.") matches `pattern`; *wildcard is
// then the value of its "*" token (routes have at most one), if any.
bool Matches(const std::vector<std::string>& pattern, std::string_view rest,
             std::string_view* wildcard) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    const size_t dot = rest.find('.');
    const std::string_view token = rest.substr(0, dot);
    if (token.empty() || (pattern[i] != kAnyToken && pattern[i] != token)) return false;
    if (pattern[i] == kAnyToken) *wildcard = token;
    if (dot == std::string_view::npos) return i + 1 == pattern.size();
    rest.remove_prefix(dot + 1);
  }
  return false;  // the subject has more tokens than the pattern
}

}  // namespace

void RequestRegistry::Add(RequestFamily* family) {
  for (RequestRoute& route : family->Routes()) {
    std::vector<std::string> tokens = Tokens(route.pattern);
    const std::string subject = prefix_ + "." + route.pattern;
    if (!WellFormed(tokens)) {
      throw StartupError("service", "malformed request subject pattern '" + subject + "'");
    }
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (Overlap(tokens, patterns_[i])) {
        throw StartupError("service", "request subject " + subject + " overlaps " +
                                          entries_[i].subject + ", claimed already");
      }
    }
    for (const Subject event : AllSubjects()) {
      if (!IsRequest(event) && Overlap(tokens, Tokens(SubjectSuffix(event)))) {
        throw StartupError("service", "request subject " + subject + " matches event subject " +
                                          prefix_ + "." + std::string(SubjectSuffix(event)));
      }
    }
    const bool wildcard = std::find(tokens.begin(), tokens.end(), kAnyToken) != tokens.end();
    entries_.push_back(Entry{family, std::move(route), subject, wildcard});
    patterns_.push_back(std::move(tokens));
  }
}

std::optional<RequestRegistry::Match> RequestRegistry::Find(std::string_view subject) const {
  if (subject.size() <= prefix_.size() + 1 || !subject.starts_with(prefix_) ||
      subject[prefix_.size()] != '.') {
    return std::nullopt;
  }
  const std::string_view rest = subject.substr(prefix_.size() + 1);
  for (size_t i = 0; i < patterns_.size(); ++i) {
    std::string_view wildcard;
    if (Matches(patterns_[i], rest, &wildcard)) return Match{i, wildcard};
  }
  return std::nullopt;
}

}  // namespace roseyd::service
