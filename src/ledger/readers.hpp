#pragma once
// The ledger's readers: a few threads of their own, each with its own connection (a SQLite WAL
// reader, or one of a small pool of PostgreSQL connections), so that a slow query never holds an
// HTTP I/O thread, on which webhooks are answered. Reads wait in a bounded queue; past it they
// are refused at once, and the API answers 503 with Retry-After.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ledger/store.hpp"
#include "util/result.hpp"

namespace ar::ledger {

struct ReadersOptions {
  std::size_t threads = 4;       // reads that run at once
  std::size_t max_waiting = 64;  // reads that wait for a thread; more are refused
};

class Readers {
 public:
  // Opens a reader's store; throws StoreError. Called on each reader thread before its first
  // read, and again after a failed open.
  using Open = std::function<std::unique_ptr<Store>()>;
  // One read: given the thread's store, or why there is none (it cannot be opened, or the
  // readers stop). Runs on a reader thread; what it throws is its own affair (it must not).
  using Job = std::function<void(util::Result<Store*>)>;

  // `first`: a store opened already (at startup, so that a wrong setting fails there), given to
  // the first thread; may be null.
  Readers(Open open, std::unique_ptr<Store> first, ReadersOptions options);
  ~Readers();
  Readers(const Readers&) = delete;
  Readers& operator=(const Readers&) = delete;

  // Queues the read; false, and `job` not kept, when max_waiting reads wait already.
  bool submit(Job job);
  // Lets running reads finish, tells the waiting ones why not, joins. Idempotent.
  void stop();

 private:
  void run(std::unique_ptr<Store> store);

  Open open_;
  ReadersOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started once everything they use exists
};

}  // namespace ar::ledger
