#include "recorder/retry_policy.hpp"

#include <algorithm>

namespace ar::recorder {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::uint64_t seed)
    : initial_(initial), max_(max), random_(seed) {}

std::chrono::milliseconds Backoff::delay(unsigned retry) {
  const auto shift = std::min(retry, 30U);
  // initial << shift only when it cannot pass max (and so cannot overflow either).
  const auto ceiling =
      initial_.count() > (max_.count() >> shift) ? max_.count() : initial_.count() << shift;
  const auto floor = std::min(initial_.count(), ceiling);
  std::uniform_int_distribution<std::int64_t> pick(floor, ceiling);
  return std::chrono::milliseconds(pick(random_));
}

}  // namespace ar::recorder
