#include "config/key_suggestions.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "config/key_table.h"
#include "config/value_text.h"

namespace roseyd {
namespace {

using config_text::Lower;
using config_text::Quote;

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view Parent(std::string_view key) {
  const size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

std::string_view Leaf(std::string_view key) {
  const size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// Up to two names close to `unknown`. A key placed in the wrong section is
// found by its last name; otherwise the names in the same section within
// about half their length in edits, or starting with the same word
// ("batch_size": "batch_max_events"): the closest, and one within an edit of
// it, in table order.
std::vector<std::string> CloseNames(std::string_view unknown) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& def : KeyTable()) {
    for (std::string_view name = def.key; !name.empty(); name = Parent(name)) {
      if (seen.insert(std::string(name)).second) names.emplace_back(name);
    }
  }
  std::vector<std::string> picks;
  for (const auto& name : names) {
    if (Leaf(name) == Leaf(unknown) && FindKey(name) != nullptr) picks.push_back(name);
  }
  if (picks.empty()) {
    std::vector<std::pair<size_t, std::string>> scored;
    size_t best = std::string::npos;
    const std::string leaf = Lower(Leaf(unknown));
    for (const auto& name : names) {
      if (Parent(name) != Parent(unknown)) continue;
      const size_t d = EditDistance(leaf, Leaf(name));
      const std::string_view word = Leaf(name).substr(0, Leaf(name).find('_'));
      const bool same_first_word = word.size() >= 3 && leaf.starts_with(word) &&
                                   (leaf.size() == word.size() || leaf[word.size()] == '_');
      if (same_first_word ||
          d <= std::max<size_t>(2, std::max(leaf.size(), Leaf(name).size()) / 2)) {
        scored.emplace_back(d, name);
        best = std::min(best, d);
      }
    }
    for (const auto& [d, name] : scored) {
      if (d <= best + 1 && picks.size() < 2) picks.push_back(name);
    }
  }
  return picks;
}

// " (did you mean 'x'?)", or "" when nothing is close.
std::string Suggestion(std::string_view unknown) {
  const std::vector<std::string> picks = CloseNames(unknown);
  if (picks.empty()) return "";
  std::string out = " (did you mean " + Quote(picks[0]);
  if (picks.size() > 1) out += " or " + Quote(picks[1]);
  return out + "?)";
}

// The dotted key a ROSEYD_* variable would stand for: the longest section
// whose variable prefix it starts with, then the rest in lower case
// (ROSEYD_STORE_BATCH_SIZE -> store.batch_size), for CloseNames.
std::string KeyOfVariable(std::string_view variable) {
  std::string_view rest = variable.substr(kEnvPrefix.size());
  std::string section;
  for (const auto& def : KeyTable()) {
    for (std::string_view name = Parent(def.key); !name.empty(); name = Parent(name)) {
      std::string prefix;
      for (char c : name) prefix += c == '.' ? '_' : static_cast<char>(std::toupper(c));
      prefix += '_';
      if (rest.starts_with(prefix) && name.size() > section.size()) section = name;
    }
  }
  const std::string leaf = Lower(section.empty() ? rest : rest.substr(section.size() + 1));
  return section.empty() ? leaf : section + "." + leaf;
}

}  // namespace

std::string UnknownKey(std::string_view key) {
  return "unknown key " + Quote(key) + Suggestion(key);
}

std::vector<std::string> CloseVariables(std::string_view name) {
  std::vector<std::string> picks;
  for (const std::string& pick : CloseNames(KeyOfVariable(name))) {
    if (const KeyDef* def = FindKey(pick)) picks.push_back(def->Env());  // not a section
  }
  if (picks.empty()) {  // a typo in a section name: the nearest whole variable
    size_t best = std::max<size_t>(2, name.size() / 8) + 1;
    for (const auto& def : KeyTable()) {
      const size_t d = EditDistance(name, def.Env());
      if (d < best) {
        best = d;
        picks = {def.Env()};
      }
    }
  }
  return picks;
}

}  // namespace roseyd
