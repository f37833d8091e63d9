#include "telemetry/notify_metrics.hpp"

#include <array>

#include "telemetry/metrics.hpp"

namespace ar::metrics {
namespace {

constexpr std::array<std::string_view, 3> kOutcomes{"delivered", "retried", "failed"};

Counter& attempts(std::string_view endpoint, std::string_view outcome) {
  return registry().counter(
      "auto_recorder_notifications_total",
      "Attempts to deliver a notification, by endpoint and outcome: delivered (2xx), retried "
      "(no answer, 408, 429, 5xx: tried again later), failed (another 4xx, or given up).",
      {{"endpoint", std::string(endpoint)}, {"outcome", std::string(outcome)}});
}

}  // namespace

void notification_attempt(std::string_view endpoint, std::string_view outcome, double seconds) {
  attempts(endpoint, outcome).inc();
  registry()
      .histogram("auto_recorder_notification_attempt_duration_seconds",
                 "Duration of one attempt to deliver a notification, connecting included.",
                 {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
                 {{"endpoint", std::string(endpoint)}})
      .observe(seconds);
}

void track_notifications(std::span<const std::string> endpoints,
                         const std::function<double(const std::string& endpoint)>& pending,
                         const std::function<double(const std::string& endpoint)>& oldest_seconds) {
  for (const std::string& endpoint : endpoints) {
    for (const std::string_view outcome : kOutcomes) attempts(endpoint, outcome);
    registry().gauge(
        "auto_recorder_notifications_pending",
        "Notifications of the endpoint not yet delivered nor given up (the outbox's queue).",
        [pending, endpoint] { return pending(endpoint); }, {{"endpoint", endpoint}});
    registry().gauge(
        "auto_recorder_notification_oldest_pending_seconds",
        "Age of the endpoint's oldest notification not yet delivered nor given up; 0 when none.",
        [oldest_seconds, endpoint] { return oldest_seconds(endpoint); }, {{"endpoint", endpoint}});
  }
}

}  // namespace ar::metrics
