#include "recorder/seen_set.hpp"

namespace ar::recorder {

SeenSet::SeenSet(std::chrono::milliseconds ttl, std::size_t capacity)
    : ttl_(ttl), capacity_(capacity) {}

void SeenSet::expire(Clock::time_point now) {
  while (!order_.empty() && (order_.front().added + ttl_ <= now || order_.size() > capacity_)) {
    expiry_.erase(order_.front().key);
    order_.pop_front();
  }
}

bool SeenSet::insert(std::string_view key, Clock::time_point now) {
  expire(now);
  if (expiry_.contains(key)) return false;
  // std::deque never moves its elements on push_back/pop_front, so the view stays valid.
  order_.push_back({now, std::string(key)});
  expiry_.emplace(order_.back().key, now);
  expire(now);
  return true;
}

bool SeenSet::contains(std::string_view key, Clock::time_point now) {
  expire(now);
  return expiry_.contains(key);
}

}  // namespace ar::recorder
