#pragma once
// The ledger's own thread: entries wait in a bounded queue and are written in batches, one
// transaction each, so a webhook answer never waits on a disk or a database. A store that is
// slow or down holds the queue (it catches up when the store returns); past `max_queued` entries
// or `max_queued_bytes` the oldest entries are dropped, and counted. Retention is applied here too.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ledger/entry.hpp"
#include "ledger/store.hpp"
#include "ledger/unsettled.hpp"

namespace ar::ledger {

// How the store's one-time rebuild before the first write went (Store::rebuild).
enum class Rebuild {
  kBegins,
  kDone,
  kFailed,   // tried again at the next start
  kStopped,  // interrupted by stop(); tried again at the next start
};

// A run of retention: the sessions it deleted, in how many steps (transactions), how long it took
// with the writes between its steps, and its longest step (how long a write waited for it at most).
struct PruneReport {
  std::size_t sessions = 0;
  std::size_t steps = 0;
  std::chrono::milliseconds took{0};
  std::chrono::milliseconds longest_step{0};
};

struct WriterOptions {
  // Bounds of what waits, the batch being written included. Bytes as estimated_size() counts them:
  // a room's metadata can be 900 KiB, and 100 000 such entries would be 90 GB, far past the
  // manifests' 128 MiB memory limit, whose OOM kill loses the whole queue.
  std::size_t max_queued = 100000;
  std::size_t max_queued_bytes = std::size_t{32} << 20;
  std::size_t batch = 500;
  std::chrono::milliseconds retry_delay{1000};  // after a failed write
  std::chrono::milliseconds retention{0};       // 0: keep everything
  std::chrono::milliseconds prune_every{std::chrono::hours(1)};
  // Sessions deleted per transaction; the queue's writes go between. On `make bench`'s 1 M-session
  // SQLite ledger a step of 500 took up to 120 ms once the trigram index of names (migration 5)
  // had its deletes to write too; of 250, 76 to 113 ms over four runs, the run 8 % longer.
  std::size_t prune_batch = 250;
  // Told when writes start failing (with why) and when they work again; on the writer's thread.
  std::function<void(bool ok, std::string_view detail)> on_state{};
  // Told why pruning failed (it is tried again after prune_every); on the writer's thread.
  std::function<void(std::string_view detail)> on_prune_error{};
  // Told, when a run of retention is over (or ends with a stop or an error), what it deleted;
  // on the writer's thread. Not called when it deleted nothing, as every hour until the ledger is
  // older than its retention.
  std::function<void(const PruneReport& run)> on_pruned{};
  // Told when the store's rebuild begins and how it ended: how long it took, and why it failed;
  // on the writer's thread. Not called when there is none to do (every start after the first).
  std::function<void(Rebuild what, std::chrono::milliseconds took, std::string_view error)>
      on_rebuild{};
  // Told the final status of each session that ended (Store::apply); on the writer's thread.
  std::function<void(Status final_status)> on_ended{};
  // Where entries still queued at stop are kept for the next start (ledger/spill.hpp); empty:
  // nowhere, they are lost (and counted as dropped).
  std::string spill_path{};
  // Told, in the constructor, what a spill file of an earlier stop held (entries queued first,
  // lines that were not entries, why it could not be read); not called when there was none.
  std::function<void(std::size_t entries, std::size_t unreadable, std::string_view error)>
      on_replay{};
  // Told, in stop(), how many entries were left queued and where they went: `error` is empty when
  // they were spilled, else why they are lost.
  std::function<void(std::size_t entries, std::string_view error)> on_spill{};
  // Opens the store anew at its path when its file was deleted or replaced while it ran
  // (Store::file_gone): a new file, with the schema, or the one that replaced it. Empty: never
  // (PostgreSQL). The file is checked before and after every write, so a batch that went into a
  // file already gone is written again into the new one, and every check_file_every while idle.
  std::function<std::unique_ptr<Store>()> reopen{};
  std::chrono::milliseconds check_file_every{5000};
  // Told what became of the file ("was deleted") when it is found gone; on the writer's thread.
  std::function<void(std::string_view what)> on_file_gone{};
};

class Writer final : public Journal, public UnsettledSource {
 public:
  Writer(std::unique_ptr<Store> store, WriterOptions options);
  ~Writer() override;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void record(Entry entry) override;
  // Read on the writer's thread once every entry recorded before the call is written; at once
  // with nullopt while writes fail, while more than a batch of entries waits, and at stop.
  void unsettled(std::function<void(std::optional<Unsettled>)> done) override;

  // Writes what is queued, for at most `drain`, then stops the thread and spills what is left.
  // Idempotent.
  void stop(std::chrono::milliseconds drain);

  // Entries and their estimated bytes waiting to be written, the batch being written included (a
  // store that keeps failing holds it).
  std::size_t queued() const;
  std::size_t queued_bytes() const;
  std::uint64_t written() const { return written_; }
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t write_errors() const { return write_errors_; }
  // Times the store's file was found deleted or replaced.
  std::uint64_t files_gone() const { return files_gone_; }

 private:
  struct UnsettledRequest {
    std::uint64_t after = 0;  // entries recorded before it
    std::function<void(std::optional<Unsettled>)> done;
  };

  struct PruneRun {
    std::int64_t before_ms = 0;
    std::chrono::steady_clock::time_point began;
    PruneReport report;  // its took once it is over
  };

  void run();
  // Before the first write: the store's one-time rebuild, when it needs one. Entries queue
  // meanwhile (within the bounds), webhooks are answered as ever; stop() interrupts it.
  void rebuild_if_needed();
  // Waits for work and takes the next batch; false when the thread should end: stopping, and
  // nothing is left to write, or the store fails, or the drain's time is up.
  bool next_batch(std::vector<Entry>& batch, bool failing);
  // Writes the batch, or puts it back when the store fails; false when that was the last try of
  // a stop.
  bool write(std::vector<Entry>& batch, bool& failing);
  // Store::apply, into the file the path names now (reopen_if_gone before and after).
  std::vector<Status> apply(std::span<const Entry> batch);
  bool reopen_if_gone();
  void check_file_when_idle(bool& failing);
  // A step of retention's run, when one is under way or due: one transaction of the store's.
  void prune_step();
  void end_prune();
  void replay_spill();
  void spill_rest();
  // After a batch was written: the spill file goes once every entry it held is written.
  void replayed(std::size_t written);
  // Answers the requests whose entries are all written (or, `failing`, every one, with nullopt).
  void answer_requests(bool failing);
  // Under mutex_: the oldest queued entries go, counted, while the queue and the batch being
  // written hold more than the bounds. That batch is never dropped: it is being written.
  void drop_past_bounds();
  // Moves the first entries of the queue into `batch` (under mutex_), or back after a failed write.
  void take_batch(std::vector<Entry>& batch);
  void put_back(std::vector<Entry>& batch);
  // A batch was written: it no longer counts toward the bounds. `batch` is left empty.
  void written_out(std::vector<Entry>& batch);

  std::unique_ptr<Store> store_;
  WriterOptions options_;
  std::mutex stop_mutex_;  // held through stop(): the thread joined and the rest spilled
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Entry> queue_;
  std::size_t in_flight_ = 0;     // entries of the batch being written
  std::size_t queued_bytes_ = 0;  // estimated, of the queue and of the batch being written
  std::uint64_t recorded_ = 0;    // entries ever recorded (queued), for UnsettledRequest::after
  std::vector<UnsettledRequest> requests_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_until_;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::atomic<std::uint64_t> files_gone_{0};
  bool reopening_ = false;  // the file was found gone and the new one has not opened yet
  std::chrono::steady_clock::time_point next_file_check_{};
  std::mutex store_mutex_;  // store_ replaced (reopen) while stop() interrupts it
  std::chrono::steady_clock::time_point next_prune_;
  std::optional<PruneRun> prune_;  // a run of retention under way (writer's thread)
  std::size_t replay_left_ = 0;    // entries of the spill file not written yet (writer's thread)
  std::thread thread_;             // last: started once everything it uses exists
};

}  // namespace ar::ledger
