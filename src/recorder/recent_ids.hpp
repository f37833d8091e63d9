#pragma once
// Remembers the latest `capacity` 64-bit ids (hashes of room sids) in two flat arrays, oldest
// forgotten first: no allocation per id. A SeenSet of strings costs a key, a map node and a
// bucket per entry, allocated between everything else a busy thread allocates: for the ledger's
// "session already written" marks, 30 000 rooms kept 15 MB resident, this keeps 0.7 MB.
// Not thread-safe: the recorder guards it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ar::recorder {

class RecentIds {
 public:
  explicit RecentIds(std::size_t capacity);

  // Records `id`; false when it was already there.
  bool insert(std::uint64_t id);
  bool contains(std::uint64_t id) const;
  std::size_t size() const { return count_; }

 private:
  std::size_t slot_of(std::uint64_t id) const;
  bool holds(std::uint64_t stored_id) const;
  void place(std::uint64_t id);
  void erase(std::uint64_t id);
  void grow();

  std::size_t capacity_;
  std::vector<std::uint64_t> ring_;  // ids in the order inserted, the oldest at head_
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::vector<std::uint64_t> table_;  // open addressing, linear probing; 0 is an empty slot
  unsigned shift_ = 64;               // 64 - log2(table_.size())
};

}  // namespace ar::recorder
