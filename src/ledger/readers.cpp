#include "ledger/readers.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace ar::ledger {

Readers::Readers(Open open, std::unique_ptr<Store> first, ReadersOptions options)
    : open_(std::move(open)), options_(options) {
  threads_.reserve(options_.threads);
  for (std::size_t i = 0; i < options_.threads; ++i) {
    threads_.emplace_back(
        [this, store = i == 0 ? std::move(first) : nullptr]() mutable { run(std::move(store)); });
  }
}

Readers::~Readers() {
  stop();
}

bool Readers::submit(Job job) {
  {
    const std::scoped_lock lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_waiting) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void Readers::stop() {
  std::deque<Job> left;
  {
    const std::scoped_lock lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    left.swap(queue_);
  }
  wake_.notify_all();
  for (Job& job : left) job(util::Error{"the service is stopping"});
  for (std::thread& thread : threads_) thread.join();
}

// A store that cannot be opened (the database is down) fails this read with the reason; the next
// read tries again, so the readers come back with the database.
void Readers::run(std::unique_ptr<Store> store) {
  // A lower CPU priority than the threads that answer webhooks: on a machine with few cores a
  // long scan then takes the time they leave, not theirs. Linux's nice is per thread; where it
  // cannot be set, reads run at the same priority.
  constexpr int kNice = 10;
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    // A SQLite file deleted or replaced under the service: read the one its path names now, as
    // the writer writes it (ledger/writer.hpp), not the old one its connection still holds.
    if (store && !store->file_gone().empty()) store.reset();
    if (!store) {
      try {
        store = open_();
      } catch (const StoreError& e) {
        job(util::Error{e.what()});
        continue;
      }
    }
    job(store.get());
  }
}

}  // namespace ar::ledger
