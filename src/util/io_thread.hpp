#pragma once
// An io_context with a thread of its own running it until stop(): the LiveKit client's, the
// Redis client's and the timers'.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

namespace ar::util {

class IoThread {
 public:
  IoThread();
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& context() { return io_; }

  // Stops the context and joins the thread: handlers not yet run never run. Idempotent; not
  // from the thread itself.
  void stop();
  // Joins the thread once the context runs out of work or a handler stops it: after posting a
  // last handler that must run. Idempotent; not from the thread itself.
  void join();

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace ar::util
