#pragma once
// The wall clock as the ledger, LiveKit and the API write it: milliseconds since the Unix epoch.
// One place converts; code that must be tested with a clock of its own asks util::Timers.
#include <chrono>
#include <cstdint>
#include <string>

namespace ar::util {

constexpr std::int64_t unix_ms(std::chrono::system_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

inline std::int64_t unix_ms_now() {
  return unix_ms(std::chrono::system_clock::now());
}

// "2026-11-30T14:05:09Z" (UTC, to the second; milliseconds when there are any).
std::string rfc3339(std::int64_t ms);

}  // namespace ar::util
