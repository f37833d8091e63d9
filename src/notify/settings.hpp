#pragma once
// Where notifications go and how hard they are tried (docs/notifications.md): each endpoint's URL,
// secrets and timeout; what it wants is its ledger::Subscription, written to the outbox.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ledger/outbox.hpp"
#include "util/proxy.hpp"

namespace ar::notify {

struct Endpoint {
  ledger::Subscription subscription;  // its name, events, statuses, metadata
  std::string url;                    // http(s)://; may hold a password: never shown
  std::string shown;  // scheme://host:port/...: never its path, query or user (tokens live there)
  std::vector<std::string> keys;  // the secrets' keys; each signs (several during a rotation)
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // one attempt, connecting included
  std::string ca_file;                                          // empty: the system's CAs
  std::optional<util::HttpProxy> proxy;  // from HTTPS_PROXY/HTTP_PROXY, unless NO_PROXY

  const std::string& name() const { return subscription.endpoint; }
};

struct Settings {
  std::vector<Endpoint> endpoints;  // none: notifications are off
  // Retries wait about 1 s, then twice as long each time, up to max_backoff, for up to
  // give_up_after from the event; then it is failed.
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
};

}  // namespace ar::notify
