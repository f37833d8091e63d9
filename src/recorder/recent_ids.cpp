#include "recorder/recent_ids.hpp"

#include <algorithm>

namespace ar::recorder {
namespace {

constexpr std::size_t kInitialSlots = 64;

// 0 marks an empty slot, so ids are stored one up; the largest then meets 0's (a collision of
// 64-bit hashes, as likely as any other).
std::uint64_t stored(std::uint64_t id) {
  return id + 1 == 0 ? 1 : id + 1;
}

}  // namespace

RecentIds::RecentIds(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::size_t RecentIds::slot_of(std::uint64_t id) const {
  // Fibonacci hashing: the product's high bits depend on every bit of the id.
  return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ULL) >> shift_);
}

bool RecentIds::contains(std::uint64_t id) const {
  return holds(stored(id));
}

bool RecentIds::holds(std::uint64_t id) const {
  if (table_.empty()) return false;
  for (std::size_t i = slot_of(id);; i = (i + 1) & (table_.size() - 1)) {
    if (table_[i] == id) return true;
    if (table_[i] == 0) return false;
  }
}

bool RecentIds::insert(std::uint64_t id) {
  id = stored(id);
  if (holds(id)) return false;
  if (count_ == capacity_) {  // forget the oldest
    erase(ring_[head_]);
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }
  if (count_ == ring_.size() || (count_ + 1) * 2 > table_.size()) grow();
  ring_[(head_ + count_) % ring_.size()] = id;
  ++count_;
  place(id);
  return true;
}

void RecentIds::place(std::uint64_t id) {
  std::size_t i = slot_of(id);
  while (table_[i] != 0) i = (i + 1) & (table_.size() - 1);
  table_[i] = id;
}

// Backward-shift deletion: the entries after the hole that probed past it move up, so lookups
// never need tombstones.
void RecentIds::erase(std::uint64_t id) {
  const std::size_t mask = table_.size() - 1;
  std::size_t hole = slot_of(id);
  while (table_[hole] != id) hole = (hole + 1) & mask;
  table_[hole] = 0;
  for (std::size_t i = (hole + 1) & mask; table_[i] != 0; i = (i + 1) & mask) {
    const std::size_t home = slot_of(table_[i]);
    // Moves when its home is not within (hole, i], cyclically.
    const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (!stays) {
      table_[hole] = table_[i];
      table_[i] = 0;
      hole = i;
    }
  }
}

// Doubles both arrays (up to what `capacity` needs), keeping the order of the ring.
void RecentIds::grow() {
  const std::size_t ring_size = std::min(capacity_, std::max<std::size_t>(ring_.size() * 2, 32));
  std::vector<std::uint64_t> ring(ring_size);
  for (std::size_t i = 0; i < count_; ++i) ring[i] = ring_[(head_ + i) % ring_.size()];
  ring_ = std::move(ring);
  head_ = 0;
  std::size_t slots = std::max(table_.size(), kInitialSlots);
  while (slots < ring_size * 2) slots *= 2;
  if (slots != table_.size()) {
    table_.assign(slots, 0);
    shift_ = 64;
    for (std::size_t s = slots; s > 1; s /= 2) --shift_;
    for (std::size_t i = 0; i < count_; ++i) place(ring_[i]);
  }
}

}  // namespace ar::recorder
