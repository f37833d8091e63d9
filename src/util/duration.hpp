#pragma once
// Go-style durations ("500ms", "30s", "1m30s", "0"), the notation LiveKit's own configs use,
// and days ("400d").
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ar::util {

// Returns nullopt for anything that is not a non-negative duration with units
// (d, h, m, s, ms, us, ns); a bare "0" is accepted.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "1m30s", "250ms", "0s": the inverse of parse_duration for display.
std::string format_duration(std::chrono::milliseconds value);

}  // namespace ar::util
