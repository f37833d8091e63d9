#pragma once
// The ledger whose PostgreSQL server did not answer at startup: an outage, not a fault of the
// configuration. The recorder starts and records; what the ledger is told queues in its writer,
// and every call here first tries to open the store (at most once per `every`), throwing
// StoreError until it opens. From then on it is the store it opened.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "ledger/store.hpp"

namespace ar::ledger {

class ConnectingStore final : public Store {
 public:
  using Open = std::function<std::unique_ptr<Store>()>;
  ConnectingStore(Open open, std::chrono::milliseconds every);

  std::vector<Status> apply(std::span<const Entry> entries) override;
  Page rooms(const Query& query) override;
  Counts counts(const Query& window) override;
  std::optional<Session> room(std::string_view sid) override;
  Pruned prune(std::int64_t before_ms, std::size_t limit) override;
  Unsettled unsettled() override;
  bool needs_rebuild() override;
  void rebuild() override;
  void interrupt() noexcept override;
  bool finds_names_within() override;
  std::string file_gone() override;

 private:
  // The opened store; throws StoreError while it cannot be opened.
  Store& store();

  Open open_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::unique_ptr<Store> store_;
  std::chrono::steady_clock::time_point next_try_{};
  std::string last_error_;
};

}  // namespace ar::ledger
