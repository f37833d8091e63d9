#pragma once
// Delivers the outbox's notifications (ledger/outbox.hpp) to their endpoints, signed by Standard
// Webhooks, on a thread of its own with a connection of its own to the ledger: it claims what is
// due (every second, and at once when woken), at most kSlots at a time per endpoint so that a
// receiver that hangs never holds up the others, and settles each by its answer
// (notify/schedule.hpp). Several replicas share the outbox: each row is claimed by one at a time.
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ledger/outbox.hpp"
#include "notify/http_post.hpp"
#include "notify/settings.hpp"
#include "util/io_thread.hpp"

namespace ar::notify {

// What the notifier tells (app wires it to metrics and the log), on its thread.
struct Hooks {
  // An attempt ended: delivered, failed for good, or pending (tried again later).
  std::function<void(const ledger::Notification& n, const ledger::Outcome& outcome,
                     std::chrono::duration<double> took)>
      on_attempt;
  // The notifications pending, by endpoint (absent: none), at most once a second.
  std::function<void(const std::map<std::string, ledger::Backlog, std::less<>>& backlog)>
      on_backlog;
  // The outbox could not be read or written (the ledger's database): tried again in a second.
  std::function<void(const std::string& message)> on_store_error;
};

class Notifier {
 public:
  using Open = std::function<std::unique_ptr<ledger::Outbox>()>;
  static constexpr std::size_t kSlots = 16;  // deliveries at once, per endpoint

  // Throws boost::system::system_error when an endpoint's ca_file cannot be loaded.
  Notifier(Settings settings, Open open, Hooks hooks);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Claims and delivers from now on, on its own thread, where `open` is called (again after a
  // StoreError): once the ledger's writer has made the ledger, which `open` never does. Once.
  void start();
  // Something may be due now (the ledger wrote an event): claimed without waiting for the second.
  void wake();
  // Stops the thread: deliveries under way are dropped, and their rows come due again when their
  // claim's lease ends (here or at another replica). Idempotent.
  void stop();

 private:
  struct Destination {
    Endpoint endpoint;
    Target target;
    std::unique_ptr<boost::asio::ssl::context> tls;
    std::size_t in_flight = 0;
  };

  boost::asio::awaitable<void> run();
  void claim_due();
  boost::asio::awaitable<void> deliver(Destination& to, ledger::Notification n);
  // Writes the outcomes of the attempts that ended since the last time, in one transaction.
  // Throws StoreError.
  void flush();
  void store_failed(const std::string& message);

  Settings settings_;
  Open open_;
  Hooks hooks_;
  std::map<std::string, Destination, std::less<>> destinations_;
  std::unique_ptr<ledger::Outbox> outbox_;
  std::vector<ledger::Outcome> unsettled_;
  std::mt19937_64 random_{std::random_device{}()};
  std::chrono::steady_clock::time_point backlog_told_{};
  bool woken_ = false;
  bool batches_only_ = false;  // woken by a delivery that ended, not by the second or the ledger
  bool store_failing_ = false;
  util::IoThread io_thread_;  // last: its thread uses everything above
  boost::asio::steady_timer timer_{io_thread_.context()};
};

}  // namespace ar::notify
