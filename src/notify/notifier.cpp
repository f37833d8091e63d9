#include "notify/notifier.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ledger/store.hpp"
#include "notify/schedule.hpp"
#include "notify/signature.hpp"
#include "util/connect.hpp"
#include "util/wall_clock.hpp"

namespace ar::notify {
namespace {

namespace asio = boost::asio;
using std::chrono::steady_clock;

// How long a claimed row is left to this replica beyond its endpoint's timeout, before another
// may take it (this one died meanwhile).
constexpr std::chrono::seconds kLeaseMargin{5};

}  // namespace

Notifier::Notifier(Settings settings, Open open, Hooks hooks)
    : settings_(std::move(settings)), open_(std::move(open)), hooks_(std::move(hooks)) {
  for (const Endpoint& e : settings_.endpoints) {
    Destination d{e, parse_target(e.url).value_or(Target{}), nullptr, 0};
    if (d.target.tls) d.tls = util::make_tls_client_context(e.ca_file, true);
    destinations_.emplace(e.name(), std::move(d));
  }
}

void Notifier::start() {
  asio::co_spawn(io_thread_.context(), run(), asio::detached);
}

Notifier::~Notifier() {
  stop();
}

void Notifier::stop() {
  io_thread_.stop();
}

void Notifier::wake() {
  asio::post(io_thread_.context(), [this] {
    woken_ = true;
    batches_only_ = false;
    timer_.cancel();
  });
}

void Notifier::store_failed(const std::string& message) {
  outbox_.reset();
  // Told once per outage, not every second of it.
  if (!store_failing_ && hooks_.on_store_error) hooks_.on_store_error(message);
  store_failing_ = true;
}

asio::awaitable<void> Notifier::run() {
  for (;;) {
    try {
      if (outbox_ && !outbox_->file_gone().empty()) outbox_.reset();  // a SQLite file made anew
      if (!outbox_) outbox_ = open_();
      flush();
      claim_due();
      store_failing_ = false;
      if (steady_clock::now() - backlog_told_ >= std::chrono::seconds(1) && hooks_.on_backlog) {
        backlog_told_ = steady_clock::now();
        hooks_.on_backlog(outbox_->backlog());
      }
    } catch (const std::exception& e) {
      // A StoreError, or anything else the database's library threw: this loop must go on.
      store_failed(e.what());
    }
    batches_only_ = false;
    if (!woken_) {
      timer_.expires_after(std::chrono::seconds(1));
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    woken_ = false;
  }
}

void Notifier::claim_due() {
  for (auto& [name, to] : destinations_) {
    // After a delivery ends, claimed in batches once half the slots are free (a burst of 4000
    // events is a few hundred transactions, not one per event); at each second's turn, or when
    // the ledger wrote an event, whenever a slot is free.
    if (to.in_flight >= kSlots || (batches_only_ && to.in_flight > kSlots / 2)) continue;
    const std::int64_t now = util::unix_ms_now();
    const std::int64_t lease = now + (to.endpoint.timeout + kLeaseMargin).count();
    for (ledger::Notification& n : outbox_->claim(now, lease, kSlots - to.in_flight, name)) {
      ++to.in_flight;
      asio::co_spawn(io_thread_.context(), deliver(to, std::move(n)), asio::detached);
    }
  }
}

asio::awaitable<void> Notifier::deliver(Destination& to, ledger::Notification n) {
  const auto began = steady_clock::now();
  const std::string timestamp = std::to_string(util::unix_ms_now() / 1000);
  const Headers headers{{"webhook-id", n.id},
                        {"webhook-timestamp", timestamp},
                        {"webhook-signature",
                         signature_header(n.id, std::stoll(timestamp), n.body, to.endpoint.keys)}};
  const Answer answer = co_await post(io_thread_.context().get_executor(), to.target, to.tls.get(),
                                      to.endpoint.proxy ? &*to.endpoint.proxy : nullptr, headers,
                                      n.body, to.endpoint.timeout);
  const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  const ledger::Outcome outcome = outcome_of(n, answer, util::unix_ms_now(), settings_, jitter);
  --to.in_flight;
  // Written by the loop with the others that end meanwhile, in one transaction, before it claims
  // more: a slot is free, and what waits for it need not wait for the second. Kept until written
  // (the outbox may fail meanwhile): an answer is not thrown away; if this process ends first,
  // the claim's lease ends and the event is sent again (at least once).
  unsettled_.push_back(outcome);
  if (hooks_.on_attempt) hooks_.on_attempt(n, outcome, steady_clock::now() - began);
  if (!woken_) batches_only_ = true;  // unless the ledger woke the loop for a new event
  woken_ = true;
  timer_.cancel();
}

void Notifier::flush() {
  if (unsettled_.empty()) return;
  outbox_->settle(unsettled_);
  unsettled_.clear();
}

}  // namespace ar::notify
