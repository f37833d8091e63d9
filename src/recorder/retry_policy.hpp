#pragma once
// How long to wait before the next try of a start that failed for a transient reason.
#include <chrono>
#include <cstdint>
#include <random>

namespace ar::recorder {

// Exponential backoff with jitter above a floor: the wait before retry n (0-based) is uniform in
// [initial, min(max, initial * 2^n)], so the first retry waits exactly `initial` and retries from
// many rooms spread out instead of arriving together.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);
  std::chrono::milliseconds delay(unsigned retry);

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::mt19937_64 random_;
};

}  // namespace ar::recorder
