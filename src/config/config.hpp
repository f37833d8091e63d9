#pragma once
// The configuration, parsed once into plain structs that the rest of the service reads.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "coordination/settings.hpp"
#include "ledger/settings.hpp"
#include "livekit/egress_flavour.hpp"
#include "notify/settings.hpp"
#include "recorder/delivery.hpp"
#include "recording/policy.hpp"
#include "recording/storage.hpp"
#include "telemetry/log.hpp"
#include "util/proxy.hpp"

namespace ar::config {

struct LiveKitApi {
  std::string url;  // http:// or https://, without a trailing slash
  std::string api_key;
  std::string api_secret;
  std::string ca_file;  // empty: the system's CA bundle
  bool insecure_skip_verify = false;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  std::optional<util::HttpProxy> proxy;  // from HTTPS_PROXY/HTTP_PROXY, unless NO_PROXY
  livekit::EgressFlavour flavour = livekit::EgressFlavour::kAuto;  // the start call
};

struct WebhookAuth {
  std::string api_key;
  std::string api_secret;
  std::chrono::seconds leeway{60};
};

struct Server {
  std::uint16_t port = 8080;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_connections = 1024;
  unsigned threads = 1;  // resolved: never 0
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::string tls_cert_file;  // both empty: plain HTTP
  std::string tls_key_file;
  std::uint16_t health_port = 0;  // 0: probes and metrics on `port`
  std::chrono::milliseconds shutdown_delay{0};
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::chrono::milliseconds shutdown_timeout{10000};
};

// A setting as loaded: its text, where it came from ("default", "config.yaml", "$PORT"), and
// whether it must be redacted when shown.
struct EffectiveSetting {
  std::string key;
  std::string value;
  std::string origin;
  bool secret = false;
};

struct Config {
  LiveKitApi livekit;
  WebhookAuth webhook;
  Server server;
  recording::Plan recording;           // the top level's: rooms no rule fits
  std::vector<recording::Rule> rules;  // in the file's order
  std::optional<recording::Storage>
      storage;                        // the default; may be left out when storages: names others
  recording::NamedStorages storages;  // extra storages outputs name
  recorder::Delivery delivery;
  coordination::RedisSettings redis;
  ledger::Settings ledger;
  std::string api_token;    // the ledger's HTTP API; empty: off
  notify::Settings notify;  // signed webhooks to the application; no endpoints: off
  log::Settings log;
  std::string source;                 // "config.yaml + environment", for the startup line
  std::vector<std::string> warnings;  // logged once at startup
  std::vector<EffectiveSetting> effective;
};

}  // namespace ar::config
