#pragma once
// The ledger's own thread: entries wait in a bounded queue and are written in batches, one
// transaction each, so a webhook answer never waits on a disk or a database. A store that is
// slow or down holds the queue (it catches up when the store returns); past `max_queued` the
// oldest entries are dropped, and counted. Retention is applied here too.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "ledger/entry.hpp"
#include "ledger/store.hpp"

namespace ar::ledger {

struct WriterOptions {
  std::size_t max_queued = 100000;
  std::size_t batch = 500;
  std::chrono::milliseconds retry_delay{1000};  // after a failed write
  std::chrono::milliseconds retention{0};       // 0: keep everything
  std::chrono::milliseconds prune_every{std::chrono::hours(1)};
  // Told when writes start failing (with why) and when they work again; on the writer's thread.
  std::function<void(bool ok, std::string_view detail)> on_state{};
  // Told why pruning failed (it is tried again after prune_every); on the writer's thread.
  std::function<void(std::string_view detail)> on_prune_error{};
  // Told the final status of each session that ended (Store::apply); on the writer's thread.
  std::function<void(Status final_status)> on_ended{};
};

class Writer final : public Journal {
 public:
  Writer(std::unique_ptr<Store> store, WriterOptions options);
  ~Writer() override;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void record(Entry entry) override;

  // Writes what is queued, for at most `drain`, then stops the thread. Idempotent.
  void stop(std::chrono::milliseconds drain);

  std::size_t queued() const;
  std::uint64_t written() const { return written_; }
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t write_errors() const { return write_errors_; }

 private:
  void run();
  void prune_if_due();

  std::unique_ptr<Store> store_;
  WriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Entry> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_until_;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::chrono::steady_clock::time_point next_prune_;
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace ar::ledger
