#include "recorder/memories.hpp"

namespace ar::recorder {

Memories::Memories(std::chrono::milliseconds ttl, std::size_t capacity) : seen_(ttl, capacity) {}

std::string_view Memories::key(Seen kind, std::string_view id) {
  key_.assign(1, static_cast<char>(kind));
  key_ += id;
  return key_;
}

bool Memories::remember(Seen kind, std::string_view id, Clock::time_point now) {
  return seen_.insert(key(kind, id), now);
}

bool Memories::knows(Seen kind, std::string_view id, Clock::time_point now) {
  return seen_.contains(key(kind, id), now);
}

void Stops::stopped(const std::string& room_sid, const std::string& egress_id, TimePoint now) {
  if (room_sid.empty()) return;
  // Stops are rare; the memory of them is bounded like the dedupe memory.
  if (stops_.size() >= capacity_ && !stops_.contains(room_sid)) stops_.erase(stops_.begin());
  stops_.try_emplace(room_sid, Stop{egress_id, now});
}

const Stops::Stop* Stops::of(const std::string& room_sid) const {
  auto it = stops_.find(room_sid);
  return it == stops_.end() ? nullptr : &it->second;
}

}  // namespace ar::recorder
