#pragma once
// Time as the recorder and the reconciler see it: a clock, and callbacks after a delay. The
// service runs them on a thread of their own (util/asio_timers.hpp); unit tests move a manual
// clock forward and see exactly what fires.
#include <chrono>
#include <cstdint>
#include <functional>

#include "util/wall_clock.hpp"

namespace ar::util {

class Timers {
 public:
  using Id = std::uint64_t;
  using Clock = std::chrono::steady_clock;

  Timers() = default;
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;
  virtual ~Timers() = default;

  virtual Clock::time_point now() const = 0;
  // Wall-clock time, for comparing with LiveKit's timestamps.
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
  // The same, in milliseconds since the epoch: how the ledger and LiveKit write times.
  std::int64_t wall_ms() const { return unix_ms(wall_now()); }

  // Runs `fn` once `delay` has passed, unless cancelled first. Never inside this call, and never
  // two callbacks at once: they run one after another, on the timers' thread.
  virtual Id after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // Cancels a timer that has not fired. One already due may still run (the cancel reaches the
  // timers' thread after it): callbacks check that what they were for still holds.
  virtual void cancel(Id id) = 0;
};

}  // namespace ar::util
