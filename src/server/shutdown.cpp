#include "server/shutdown.hpp"

#include <string>

#include "telemetry/log.hpp"
#include "util/duration.hpp"

namespace ar::server {

Shutdown::Shutdown(const boost::asio::any_io_executor& executor, ShutdownSteps steps,
                   std::chrono::milliseconds delay, std::chrono::milliseconds timeout)
    : steps_(std::move(steps)), delay_(delay), timeout_(timeout), timer_(executor) {}

void Shutdown::begin(int signal) {
  if (begun_) {
    log::warn("second signal: stopping now", {{"signal", std::to_string(signal)}});
    timer_.cancel();
    steps_.stop();
    return;
  }
  begun_ = true;
  steps_.not_ready();
  if (delay_.count() > 0) {
    log::info(
        "shutting down: not ready any more, still serving",
        {{"signal", std::to_string(signal)}, {"shutdown_delay", util::format_duration(delay_)}});
    timer_.expires_after(delay_);
    timer_.async_wait([this, signal](boost::system::error_code ec) {
      if (!ec) close_and_drain(signal);
    });
    return;
  }
  close_and_drain(signal);
}

void Shutdown::close_and_drain(int signal) {
  deadline_ = std::chrono::steady_clock::now() + timeout_;
  steps_.stop_new_work();
  steps_.stop_accepting();
  log::info("shutting down: no longer accepting webhooks",
            {{"signal", std::to_string(signal)},
             {"calls_in_flight", std::to_string(steps_.in_flight())},
             {"wait_at_most", util::format_duration(timeout_)}});
  poll();
}

void Shutdown::poll() {
  const std::size_t outstanding = steps_.in_flight();
  if (outstanding == 0 || std::chrono::steady_clock::now() >= deadline_) {
    if (outstanding > 0) {
      log::warn("shutdown timeout reached: abandoning calls still in flight",
                {{"calls", std::to_string(outstanding)}});
    }
    log::info("stopped");
    steps_.stop();
    return;
  }
  timer_.expires_after(std::chrono::milliseconds(20));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll();
  });
}

}  // namespace ar::server
