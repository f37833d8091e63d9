#pragma once
// Remembers keys (webhook event ids, room sids) for a while, in bounded memory: a key is
// forgotten after ttl, or earlier when capacity is reached (oldest first). Not thread-safe: the
// recorder guards it.
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ar::recorder {

class SeenSet {
 public:
  using Clock = std::chrono::steady_clock;

  SeenSet(std::chrono::milliseconds ttl, std::size_t capacity);

  // Records key; false when it was already there (and not expired).
  bool insert(std::string_view key, Clock::time_point now);
  bool contains(std::string_view key, Clock::time_point now);
  std::size_t size() const { return expiry_.size(); }

 private:
  void expire(Clock::time_point now);

  struct Entry {
    Clock::time_point added;
    std::string key;
  };

  std::chrono::milliseconds ttl_;
  std::size_t capacity_;
  std::deque<Entry> order_;  // oldest first; keys appear once each
  std::unordered_map<std::string_view, Clock::time_point> expiry_;  // views into order_
};

}  // namespace ar::recorder
