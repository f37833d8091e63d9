#include "ledger/connecting_store.hpp"

namespace ar::ledger {

ConnectingStore::ConnectingStore(Open open, std::chrono::milliseconds every)
    : open_(std::move(open)), every_(every) {}

Store& ConnectingStore::store() {
  const std::lock_guard lock(mutex_);
  if (store_) return *store_;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_try_) throw StoreError(last_error_);
  next_try_ = now + every_;
  try {
    store_ = open_();
  } catch (const std::exception& e) {
    last_error_ = e.what();
    throw StoreError(last_error_);
  }
  return *store_;
}

std::vector<Status> ConnectingStore::apply(std::span<const Entry> entries) {
  return store().apply(entries);
}

Page ConnectingStore::rooms(const Query& query) {
  return store().rooms(query);
}

Counts ConnectingStore::counts(const Query& window) {
  return store().counts(window);
}

std::optional<Session> ConnectingStore::room(std::string_view sid) {
  return store().room(sid);
}

Pruned ConnectingStore::prune(std::int64_t before_ms, std::size_t limit) {
  return store().prune(before_ms, limit);
}

Unsettled ConnectingStore::unsettled() {
  return store().unsettled();
}

// Not yet open: nothing to rebuild (a PostgreSQL ledger never needs it).
bool ConnectingStore::needs_rebuild() {
  const std::lock_guard lock(mutex_);
  return store_ && store_->needs_rebuild();
}

void ConnectingStore::rebuild() {
  store().rebuild();
}

// Never waits for an open under way (up to its connect_timeout): nothing runs to interrupt yet.
void ConnectingStore::interrupt() noexcept {
  const std::unique_lock lock(mutex_, std::try_to_lock);
  if (lock && store_) store_->interrupt();
}

// Not yet open: unknown, and not worth a warning until it is.
bool ConnectingStore::finds_names_within() {
  const std::lock_guard lock(mutex_);
  return !store_ || store_->finds_names_within();
}

// Not yet open: no file to lose (a PostgreSQL ledger has none).
std::string ConnectingStore::file_gone() {
  const std::lock_guard lock(mutex_);
  return store_ ? store_->file_gone() : std::string();
}

}  // namespace ar::ledger
