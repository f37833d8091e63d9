#pragma once
// Small text helpers shared by the configuration, HTTP framing, Redis and the proxy settings.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ar::util {

// ASCII lower case.
std::string lower(std::string_view text);

// Without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim(std::string_view text);

// The items, each as `show` makes it text, with `separator` between them: join(names, ", ").
template <typename Range, typename Show = std::identity>
std::string join(const Range& items, std::string_view separator, Show show = {}) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    first = false;
    out += show(item);
  }
  return out;
}

// A 64-bit hash of the text, for sorted indexes of names that keep 8 bytes a name (the
// reconciler's 30 000 rooms and their ledger sessions) instead of the strings.
inline std::uint64_t hash_of(std::string_view text) {
  return std::hash<std::string_view>{}(text);
}

// Levenshtein distance: insertions, deletions and substitutions (for "did you mean").
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ar::util
