#pragma once
// Small text helpers shared by the configuration, HTTP framing and the proxy settings.
#include <cstddef>
#include <string>
#include <string_view>

namespace ar::util {

// ASCII lower case.
std::string lower(std::string_view text);

// Without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim(std::string_view text);

// Levenshtein distance: insertions, deletions and substitutions (for "did you mean").
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ar::util
