#pragma once
// The shutdown sequence after SIGTERM: /readyz answers 503 at once and webhooks are still served
// for shutdown_delay, so Kubernetes takes the pod out of the Service first; then new work stops,
// the listeners close (room_started on open connections gets 503), and calls in flight get up to
// shutdown_timeout before everything stops. A second signal stops at once. What each step does
// is the caller's (main wires it); this knows the order and the timing.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>

namespace ar::server {

struct ShutdownSteps {
  std::function<void()> not_ready;         // /readyz answers 503
  std::function<void()> stop_new_work;     // no more reconcile passes or retries
  std::function<void()> stop_accepting;    // the listeners close
  std::function<std::size_t()> in_flight;  // calls to LiveKit and Redis not answered yet
  std::function<void()> stop;              // everything stops
};

class Shutdown {
 public:
  // Runs its timer on `executor`; begin() must be called there too (the signal handlers' strand).
  Shutdown(const boost::asio::any_io_executor& executor, ShutdownSteps steps,
           std::chrono::milliseconds delay, std::chrono::milliseconds timeout);

  void begin(int signal);

 private:
  void close_and_drain(int signal);
  void poll();

  ShutdownSteps steps_;
  std::chrono::milliseconds delay_;
  std::chrono::milliseconds timeout_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  bool begun_ = false;
};

}  // namespace ar::server
