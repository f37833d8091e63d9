#pragma once
// The restart budget: recordings of a room that failed mid-room in the last hour, and the
// restarts that followed, at most max_restarts_per_hour of them. Pure bookkeeping, no effects
// (the recorder tells what it decides); not thread-safe: the recorder guards it.
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "util/timers.hpp"

namespace ar::recorder {

class RestartWindow {
 public:
  using TimePoint = util::Timers::Clock::time_point;

  explicit RestartWindow(std::size_t max_per_hour) : max_per_hour_(max_per_hour) {}

  // A recording of room session `sid` failed mid-room: its next start is a restart.
  void failed(const std::string& room, const std::string& sid, TimePoint now);
  // The session finished: its failures no longer make a next session of the name a restart
  // (by name, or by sid when the name is not known).
  void forget(const std::string& room, const std::string& sid);

  // A recording of the room failed in the last hour: a start now is a restart.
  bool after_failure(const std::string& room, TimePoint now);

  // The room's restarts when they reached the limit, with whether that was said before.
  struct Limit {
    std::size_t restarts = 0;
    bool told_before = false;
  };
  // For a start after a failure: the limit when it is reached (nullopt: within it).
  std::optional<Limit> limit_reached(const std::string& room, TimePoint now);
  // Enters a restart of session `sid` into the budget, with its failure when none was heard (the
  // check listed it). The limit instead, when it is reached: nothing is counted.
  std::optional<Limit> count(const std::string& room, const std::string& sid, TimePoint now);

 private:
  struct History {
    std::string sid;  // the session of the last failure
    std::deque<TimePoint> failures;
    std::deque<TimePoint> restarts;
    bool limit_told = false;
  };
  // The room's history of the last hour, or null when it has none.
  History* pruned(const std::string& room, TimePoint now);
  std::optional<Limit> at_limit(History& history) const;

  std::size_t max_per_hour_;
  std::unordered_map<std::string, History> history_;  // by room name, only rooms with failures
};

}  // namespace ar::recorder
