#pragma once
// The recorder's Events, kept for a test to assert on: what it said and what it counted.
#include <algorithm>
#include <mutex>
#include <vector>

#include "recorder/events.hpp"

namespace ar::testing {

class RecordedEvents final : public recorder::Events {
 public:
  void tell(const recorder::Event& event) override {
    const std::lock_guard lock(mutex_);
    events_.push_back(event);
  }

  // Every event of type E, in the order told.
  template <typename E>
  std::vector<E> all() const {
    const std::lock_guard lock(mutex_);
    std::vector<E> out;
    for (const auto& event : events_) {
      if (const E* e = std::get_if<E>(&event)) out.push_back(*e);
    }
    return out;
  }
  // Skips for this reason: counted every time (the metric), `said` the ones not repeated (a line).
  std::size_t skipped(model::SkipReason reason) const {
    const auto skips = all<recorder::Skipped>();
    return static_cast<std::size_t>(std::count_if(
        skips.begin(), skips.end(), [reason](const auto& s) { return s.reason == reason; }));
  }
  std::size_t said_skipped(model::SkipReason reason) const {
    const auto skips = all<recorder::Skipped>();
    return static_cast<std::size_t>(
        std::count_if(skips.begin(), skips.end(),
                      [reason](const auto& s) { return s.reason == reason && !s.repeated; }));
  }
  std::size_t started(model::Origin origin) const {
    const auto starts = all<recorder::Started>();
    return static_cast<std::size_t>(std::count_if(
        starts.begin(), starts.end(), [origin](const auto& s) { return s.origin == origin; }));
  }
  void clear() {
    const std::lock_guard lock(mutex_);
    events_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<recorder::Event> events_;
};

}  // namespace ar::testing
