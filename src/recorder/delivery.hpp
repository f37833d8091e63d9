#pragma once
// The recorder's settings: how hard it works to record every room exactly once.
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace ar::recorder {

// How hard the service works to record every room exactly once.
struct Delivery {
  std::chrono::milliseconds reconcile_interval{30000};  // 0: off
  std::chrono::milliseconds retry_initial_delay{1000};
  std::chrono::milliseconds retry_max_delay{30000};
  std::chrono::milliseconds retry_give_up_after{15 * 60 * 1000};
  std::uint32_t max_restarts_per_hour = 3;
  bool restart_stopped_recordings = false;  // false: a StopEgress holds for the room session
  bool heal_duplicates = true;  // stop a recording we started beside an older one of the session
  std::size_t max_pending_starts = 10000;
  std::size_t egress_concurrency = 256;
  std::chrono::milliseconds dedupe_ttl{24 * 3600 * 1000};
  std::size_t dedupe_capacity = 100000;
};

}  // namespace ar::recorder
