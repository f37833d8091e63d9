#include "app/notifications.hpp"

#include <algorithm>
#include <vector>

#include "ledger/open.hpp"
#include "telemetry/log.hpp"
#include "telemetry/notify_metrics.hpp"
#include "util/wall_clock.hpp"

namespace ar::app {
namespace {

std::string_view outcome_name(ledger::DeliveryState state) {
  switch (state) {
    case ledger::DeliveryState::kDelivered:
      return "delivered";
    case ledger::DeliveryState::kFailed:
      return "failed";
    case ledger::DeliveryState::kPending:
      break;
  }
  return "retried";
}

void told(const ledger::Notification& n, const ledger::Outcome& outcome,
          std::chrono::duration<double> took) {
  const std::string_view outcome_text = outcome_name(outcome.state);
  const std::string attempt = std::to_string(n.attempts);
  metrics::notification_attempt(n.endpoint, outcome_text, took.count());
  const log::Fields fields{{"endpoint", n.endpoint}, {"event", n.type},
                           {"webhook_id", n.id},     {"room_sid", n.room_sid},
                           {"attempt", attempt},     {"error", outcome.error}};
  switch (outcome.state) {
    case ledger::DeliveryState::kDelivered:
      log::debug("notification delivered", fields);
      break;
    case ledger::DeliveryState::kFailed:
      log::warn("notification failed for good: auto-recorder notify resend sends it again", fields);
      break;
    case ledger::DeliveryState::kPending:
      log::info("notification not delivered; tried again later", fields);
      break;
  }
}

}  // namespace

Notifications::Notifications(const notify::Settings& settings, const ledger::Settings& ledger) {
  if (settings.endpoints.empty()) return;
  std::vector<std::string> names;
  for (const notify::Endpoint& e : settings.endpoints) names.push_back(e.name());
  metrics::track_notifications(
      names, [this](const std::string& e) { return static_cast<double>(backlog_of(e).pending); },
      [this](const std::string& e) {
        const std::int64_t oldest = backlog_of(e).oldest_ms;
        if (oldest == 0) return 0.0;
        return static_cast<double>(std::max<std::int64_t>(0, util::unix_ms_now() - oldest)) /
               1000.0;
      });
  if (!ledger.enabled) return;  // refused by the configuration: notifications need the ledger
  notifier_ = std::make_unique<notify::Notifier>(
      settings, [ledger] { return ledger::open_outbox(ledger); },
      notify::Hooks{
          .on_attempt = told,
          .on_backlog =
              [this, names](const std::map<std::string, ledger::Backlog, std::less<>>& backlog) {
                warn_of_orphans(backlog, names);
                const std::lock_guard lock(mutex_);
                backlog_ = backlog;
              },
          .on_store_error =
              [](const std::string& message) {
                log::warn(
                    "notifications: the ledger's outbox cannot be read or written; tried "
                    "again every second",
                    {{"error", message}});
              }});
}

// Events wait for an endpoint no longer configured (its URL or name changed): nothing sends them
// until it is configured again under that name. Said once per name.
void Notifications::warn_of_orphans(
    const std::map<std::string, ledger::Backlog, std::less<>>& backlog,
    const std::vector<std::string>& names) {
  for (const auto& [endpoint, waiting] : backlog) {
    if (std::find(names.begin(), names.end(), endpoint) != names.end()) continue;
    if (!orphans_told_.insert(endpoint).second) continue;
    const std::string pending = std::to_string(waiting.pending);
    log::warn(
        "notifications wait for an endpoint that is no longer configured: configure it "
        "again with this name (notifications[].name) to deliver them",
        {{"endpoint", endpoint}, {"pending", pending}});
  }
}

ledger::Backlog Notifications::backlog_of(const std::string& endpoint) {
  const std::lock_guard lock(mutex_);
  const auto found = backlog_.find(endpoint);
  return found == backlog_.end() ? ledger::Backlog{} : found->second;
}

}  // namespace ar::app
