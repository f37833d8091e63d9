#pragma once
// util::Timers on a thread of its own: the steady and system clocks, Asio timers.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <unordered_map>

#include "util/io_thread.hpp"
#include "util/timers.hpp"

namespace ar::util {

class AsioTimers final : public Timers {
 public:
  AsioTimers() = default;
  ~AsioTimers() override;
  AsioTimers(const AsioTimers&) = delete;
  AsioTimers& operator=(const AsioTimers&) = delete;

  Clock::time_point now() const override { return Clock::now(); }
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
  Id after(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void cancel(Id id) override;

  // Joins the thread: pending timers never fire. Call before destroying what callbacks use.
  // Idempotent; the destructor calls it.
  void stop() { thread_.stop(); }

 private:
  // First: destroyed last, after the timers that live on its context (the destructor joins
  // the thread before anything is destroyed).
  IoThread thread_;
  std::atomic<Id> next_id_{1};
  std::unordered_map<Id, std::unique_ptr<boost::asio::steady_timer>> pending_;  // thread only
};

}  // namespace ar::util
