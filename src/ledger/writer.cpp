#include "ledger/writer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <vector>

#include "ledger/connecting_store.hpp"
#include "ledger/redaction.hpp"
#include "ledger/spill.hpp"
#include "util/wall_clock.hpp"

namespace ar::ledger {

using std::chrono::steady_clock;

namespace {

std::chrono::milliseconds since(steady_clock::time_point began) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - began);
}

}  // namespace

Writer::Writer(std::unique_ptr<Store> store, WriterOptions options)
    : store_(std::move(store)), options_(std::move(options)), next_prune_(steady_clock::now()) {
  replay_spill();
  thread_ = std::thread([this] { run(); });
}

Writer::~Writer() {
  stop(std::chrono::milliseconds(0));
}

// What an earlier stop could not write goes first, before anything this process records.
void Writer::replay_spill() {
  if (options_.spill_path.empty()) return;
  SpillRead read = read_spill(options_.spill_path);
  if (read.entries.empty() && read.unreadable == 0 && read.error.empty()) return;
  replay_left_ = read.entries.size();
  recorded_ = read.entries.size();
  for (Entry& entry : read.entries) {
    redact(entry);  // a spill file an older version wrote
    queued_bytes_ += estimated_size(entry);
  }
  queue_.insert(queue_.end(), std::make_move_iterator(read.entries.begin()),
                std::make_move_iterator(read.entries.end()));
  if (options_.on_replay) options_.on_replay(replay_left_, read.unreadable, read.error);
  if (replay_left_ == 0 && read.error.empty()) std::remove(options_.spill_path.c_str());
}

void Writer::replayed(std::size_t written) {
  if (replay_left_ == 0) return;
  replay_left_ -= std::min(replay_left_, written);
  if (replay_left_ == 0) std::remove(options_.spill_path.c_str());
}

// On stop, after the thread: what the store did not take is kept for the next start.
void Writer::spill_rest() {
  std::vector<Entry> rest;
  {
    const std::lock_guard lock(mutex_);
    rest.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    queued_bytes_ = 0;
  }
  if (rest.empty()) return;
  std::string error = "no spill file (ledger.spill_path)";
  if (!options_.spill_path.empty()) error = write_spill(options_.spill_path, rest).error();
  if (!error.empty()) dropped_ += rest.size();
  if (options_.on_spill) options_.on_spill(rest.size(), error);
}

void Writer::record(Entry entry) {
  redact(entry);  // before the queue: neither the spill file nor the database sees a password
  bool was_empty = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    was_empty = queue_.empty();
    queued_bytes_ += estimated_size(entry);
    queue_.push_back(std::move(entry));
    ++recorded_;
    drop_past_bounds();
  }
  // The writer sleeps only on an empty queue (or between retries, on a timer): waking it for
  // every entry of a burst cost a futex call each on the threads that start recordings.
  if (was_empty) wake_.notify_one();
}

std::size_t Writer::queued() const {
  const std::lock_guard lock(mutex_);
  return queue_.size() + in_flight_;
}

std::size_t Writer::queued_bytes() const {
  const std::lock_guard lock(mutex_);
  return queued_bytes_;
}

void Writer::drop_past_bounds() {
  while (!queue_.empty() && (queue_.size() + in_flight_ > options_.max_queued ||
                             queued_bytes_ > options_.max_queued_bytes)) {
    queued_bytes_ -= estimated_size(queue_.front());
    queue_.pop_front();
    ++dropped_;
  }
}

void Writer::take_batch(std::vector<Entry>& batch) {
  while (!queue_.empty() && batch.size() < options_.batch) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  in_flight_ = batch.size();
}

void Writer::written_out(std::vector<Entry>& batch) {
  std::size_t bytes = 0;
  for (const Entry& entry : batch) bytes += estimated_size(entry);
  batch.clear();
  const std::lock_guard lock(mutex_);
  queued_bytes_ -= bytes;
  in_flight_ = 0;
}

// The batch is kept and tried again first; the queue keeps filling behind it, within its bounds.
void Writer::put_back(std::vector<Entry>& batch) {
  const std::lock_guard lock(mutex_);
  queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                std::make_move_iterator(batch.end()));
  batch.clear();
  in_flight_ = 0;
  drop_past_bounds();
}

void Writer::unsettled(std::function<void(std::optional<Unsettled>)> done) {
  {
    const std::lock_guard lock(mutex_);
    // Far behind (a burst of rooms): waiting would hold up the pass that records them, and what
    // it would compare is about to change anyway. A later pass compares.
    if (!stopping_ && queue_.size() <= options_.batch) {
      requests_.push_back({recorded_, std::move(done)});
      done = nullptr;
    }
  }
  if (done) return done(std::nullopt);
  wake_.notify_one();
}

void Writer::answer_requests(bool failing) {
  std::vector<UnsettledRequest> due;
  bool stopping = false;
  {
    const std::lock_guard lock(mutex_);
    stopping = stopping_;
    // Entries neither queued nor in a batch being written are written (or were dropped).
    const std::uint64_t written = recorded_ - queue_.size();
    for (auto it = requests_.begin(); it != requests_.end();) {
      if (failing || stopping || it->after <= written) {
        due.push_back(std::move(*it));
        it = requests_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (UnsettledRequest& request : due) {
    std::optional<Unsettled> answer;
    if (!failing && !stopping) {
      try {
        answer = store_->unsettled();
      } catch (const std::exception&) {
        ++write_errors_;  // counted with the writes: the reconciler says it compared nothing
      }
    }
    request.done(std::move(answer));
  }
}

void Writer::stop(std::chrono::milliseconds drain) {
  const std::lock_guard once(stop_mutex_);  // a second caller returns once the first is done
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    drain_until_ = steady_clock::now() + drain;
  }
  wake_.notify_one();
  {
    const std::lock_guard lock(store_mutex_);
    store_->interrupt();  // a rebuild under way gives up: the stop's time is the queue's
  }
  if (thread_.joinable()) thread_.join();
  spill_rest();
}

// Retention runs a step at a time between the queue's batches: a write waits for one step (a
// transaction of prune_batch sessions) at most.
void Writer::prune_step() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;  // the stop's time is the queue's; the next start prunes the rest
  }
  const auto now = steady_clock::now();
  if (!prune_) {
    if (options_.retention.count() == 0 || now < next_prune_) return;
    next_prune_ = now + options_.prune_every;
    prune_ = PruneRun{util::unix_ms_now() - options_.retention.count(), now, {}};
  }
  try {
    const auto began = steady_clock::now();
    const Pruned step = store_->prune(prune_->before_ms, options_.prune_batch);
    PruneReport& report = prune_->report;
    report.longest_step = std::max(report.longest_step, since(began));
    report.sessions += step.sessions;
    ++report.steps;
    if (step.done) end_prune();
  } catch (const std::exception& e) {
    // Counted and said; writes go on, and pruning is tried again at the next hour.
    ++write_errors_;
    end_prune();
    if (options_.on_prune_error) options_.on_prune_error(e.what());
  }
}

void Writer::end_prune() {
  if (!prune_) return;
  PruneReport report = prune_->report;
  report.took = since(prune_->began);
  prune_.reset();
  if (report.sessions == 0 || !options_.on_pruned) return;
  options_.on_pruned(report);
}

bool Writer::next_batch(std::vector<Entry>& batch, bool failing) {
  std::unique_lock lock(mutex_);
  // Idle, it wakes when retention's next run is due: the first at once, then every prune_every.
  const auto now = steady_clock::now();
  auto until = failing                          ? now + options_.retry_delay
               : options_.retention.count() > 0 ? next_prune_
                                                : now + options_.prune_every;
  if (options_.reopen) until = std::min(until, next_file_check_);
  wake_.wait_until(lock, until, [&] {
    return stopping_ || !requests_.empty() || (!failing && (!queue_.empty() || prune_));
  });
  // Stopping: what is queued gets until the drain deadline, unless the store is failing:
  // another try could hang until the database's TCP timeout, past the pod's grace period,
  // and the spill file keeps the entries for the next start instead.
  if (stopping_ && (queue_.empty() || failing || steady_clock::now() >= drain_until_)) {
    return false;
  }
  take_batch(batch);
  return true;
}

// The store's file deleted or replaced under it: said, counted, and the path opened anew. The old
// store is closed first, so that its write-ahead log goes with it rather than into the new file;
// the new one is opened at the next call (ConnectingStore), which throws StoreError while it
// cannot be, like any failed write. Returns whether the file was gone.
bool Writer::reopen_if_gone() {
  if (!options_.reopen) return false;
  const std::string gone = store_->file_gone();
  if (gone.empty()) return false;
  ++files_gone_;
  if (options_.on_file_gone) options_.on_file_gone(gone);
  const std::lock_guard lock(store_mutex_);
  store_.reset();
  store_ = std::make_unique<ConnectingStore>(options_.reopen, options_.retry_delay);
  return true;
}

// A batch written into a file deleted or replaced meanwhile is written again, into the new one:
// entries apply idempotently, so nothing after the loss is lost.
std::vector<Status> Writer::apply(std::span<const Entry> batch) {
  reopen_if_gone();
  std::vector<Status> ended = store_->apply(batch);
  if (reopen_if_gone()) ended = store_->apply(batch);
  return ended;
}

// An idle writer checks its file every check_file_every, so a deleted file is said (and made
// anew) within seconds, not at the next room.
void Writer::check_file_when_idle(bool& failing) {
  if (!options_.reopen) return;
  const auto now = steady_clock::now();
  if (now < next_file_check_) return;
  next_file_check_ = now + options_.check_file_every;
  // Until the new file opens, each check tries again (a write would too, but none may come).
  if (reopen_if_gone()) reopening_ = true;
  if (!reopening_) return;
  try {
    (void)store_->unsettled();  // opens the new file now, not at the next room
    reopening_ = false;
    if (failing && options_.on_state) options_.on_state(true, "");
    failing = false;
  } catch (const std::exception& e) {
    ++write_errors_;
    if (!failing && options_.on_state) options_.on_state(false, e.what());
    failing = true;
  }
}

bool Writer::write(std::vector<Entry>& batch, bool& failing) {
  try {
    const std::vector<Status> ended = apply(batch);
    // First: whoever sees written() sees the spill file gone and the batch out of queued().
    const std::size_t n = batch.size();
    replayed(n);
    written_out(batch);
    written_ += n;
    if (options_.on_ended) {
      for (const Status status : ended) options_.on_ended(status);
    }
    if (failing && options_.on_state) options_.on_state(true, "");
    failing = false;
  } catch (const std::exception& e) {  // StoreError, or the store's own bad_alloc
    ++write_errors_;
    if (!failing && options_.on_state) options_.on_state(false, e.what());
    failing = true;
    put_back(batch);
    const std::lock_guard lock(mutex_);
    return !stopping_;  // it failed its last try: no retry loop at exit
  }
  return true;
}

void Writer::rebuild_if_needed() {
  const auto began = steady_clock::now();
  const auto tell = [&](Rebuild what, std::string_view error) {
    if (options_.on_rebuild) options_.on_rebuild(what, since(began), error);
  };
  try {
    if (!store_->needs_rebuild()) return;
    tell(Rebuild::kBegins, "");
    store_->rebuild();
    tell(Rebuild::kDone, "");
  } catch (const std::exception& e) {
    bool stopping = false;
    {
      const std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    // Counted with the writes, as a failed prune is; a stop's is no failure.
    if (!stopping) ++write_errors_;
    tell(stopping ? Rebuild::kStopped : Rebuild::kFailed, e.what());
  }
}

void Writer::run() {
  // Below the threads that answer webhooks and start recordings: when the cores are busy (a
  // burst of rooms) the ledger waits, and catches up after. Linux's nice is per thread.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  rebuild_if_needed();
  bool failing = false;
  std::vector<Entry> batch;
  while (next_batch(batch, failing)) {
    if (!batch.empty() && !write(batch, failing)) break;
    check_file_when_idle(failing);
    answer_requests(failing);
    prune_step();
  }
  end_prune();  // a stop ends a run: what it deleted is said, the next start deletes the rest
  answer_requests(true);
}

}  // namespace ar::ledger
