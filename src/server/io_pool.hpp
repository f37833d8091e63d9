#pragma once
// The server's threads: one io_context per thread, each run by exactly one thread, and each
// connection served by one of them from accept to close. Nothing a connection does needs a lock
// or a strand, and no thread wakes another to hand work over (sharing one io_context between
// threads spent a quarter of the CPU in futex wake-ups and strand bookkeeping, perf showed).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace ar::server {

class IoPool {
 public:
  explicit IoPool(unsigned threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // The first context: signals, the shutdown sequence and the listeners run here, on the thread
  // that calls run().
  boost::asio::io_context& main() { return *contexts_.front(); }
  // The context for the next connection, round robin. Called from main()'s thread only.
  boost::asio::io_context& next();

  // Runs main() on the calling thread and the others on threads of their own; returns once
  // main() has been stopped, after the other threads have finished.
  void run();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::size_t next_ = 0;
};

}  // namespace ar::server
