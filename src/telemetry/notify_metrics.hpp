#pragma once
// The notifications' series (docs/notifications.md): attempts by endpoint and outcome, and each
// endpoint's backlog, read when scraped.
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace ar::metrics {

// outcome: delivered, retried or failed (given up, or refused for good).
void notification_attempt(std::string_view endpoint, std::string_view outcome, double seconds);

// Every endpoint's series from startup, at 0; `pending` and `oldest_seconds` read an endpoint's
// backlog (0 when it has none).
void track_notifications(std::span<const std::string> endpoints,
                         const std::function<double(const std::string& endpoint)>& pending,
                         const std::function<double(const std::string& endpoint)>& oldest_seconds);

}  // namespace ar::metrics
