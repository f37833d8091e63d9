#include "ledger/writer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <iterator>
#include <vector>

namespace ar::ledger {

using std::chrono::steady_clock;

Writer::Writer(std::unique_ptr<Store> store, WriterOptions options)
    : store_(std::move(store)),
      options_(std::move(options)),
      next_prune_(steady_clock::now()),
      thread_([this] { run(); }) {}

Writer::~Writer() {
  stop(std::chrono::milliseconds(0));
}

void Writer::record(Entry entry) {
  bool was_empty = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (queue_.size() >= options_.max_queued) {
      queue_.pop_front();
      ++dropped_;
    }
    was_empty = queue_.empty();
    queue_.push_back(std::move(entry));
  }
  // The writer sleeps only on an empty queue (or between retries, on a timer): waking it for
  // every entry of a burst cost a futex call each on the threads that start recordings.
  if (was_empty) wake_.notify_one();
}

std::size_t Writer::queued() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

void Writer::stop(std::chrono::milliseconds drain) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    drain_until_ = steady_clock::now() + drain;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Writer::prune_if_due() {
  if (options_.retention.count() == 0 || steady_clock::now() < next_prune_) return;
  next_prune_ = steady_clock::now() + options_.prune_every;
  try {
    store_->prune(now_ms() - options_.retention.count());
  } catch (const std::exception& e) {
    // Counted and said; writes go on, and pruning is tried again at the next hour.
    ++write_errors_;
    if (options_.on_prune_error) options_.on_prune_error(e.what());
  }
}

void Writer::run() {
  // Below the threads that answer webhooks and start recordings: when the cores are busy (a
  // burst of rooms) the ledger waits, and catches up after. Linux's nice is per thread.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  bool failing = false;
  std::vector<Entry> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      const auto wait = failing ? options_.retry_delay : options_.prune_every;
      wake_.wait_for(lock, wait, [&] { return stopping_ || (!failing && !queue_.empty()); });
      // Stopping: what is queued gets until the drain deadline (a store that failed gets one
      // more try, below).
      if (stopping_ && (queue_.empty() || steady_clock::now() >= drain_until_)) return;
      while (!queue_.empty() && batch.size() < options_.batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!batch.empty()) {
      try {
        const std::vector<Status> ended = store_->apply(batch);
        written_ += batch.size();
        if (options_.on_ended) {
          for (const Status status : ended) options_.on_ended(status);
        }
        batch.clear();
        if (failing && options_.on_state) options_.on_state(true, "");
        failing = false;
      } catch (const std::exception& e) {  // StoreError, or the store's own bad_alloc
        ++write_errors_;
        if (!failing && options_.on_state) options_.on_state(false, e.what());
        failing = true;
        // The batch is kept and tried again first; the queue keeps filling behind it.
        const std::lock_guard lock(mutex_);
        if (stopping_) return;  // it failed its last try: no retry loop at exit
        queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
        batch.clear();
        while (queue_.size() > options_.max_queued) {
          queue_.pop_front();
          ++dropped_;
        }
      }
    }
    prune_if_due();
  }
}

}  // namespace ar::ledger
