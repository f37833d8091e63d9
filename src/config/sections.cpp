// The sections of the configuration that map one to one onto a struct: LiveKit's API, webhook
// verification, the HTTP server, delivery and logging.
#include "config/sections.hpp"

#include <algorithm>
#include <thread>

#include "config/error.hpp"
#include "config/files.hpp"
#include "livekit/host.hpp"

namespace ar::config {

LiveKitApi read_livekit(const Reader& in) {
  LiveKitApi api;
  const std::string host = in.text("livekit_host");
  const auto url = livekit::api_base_url(host);
  if (!url && host.find('@') != std::string::npos) {  // not echoed: it may hold a password
    throw ConfigError(name_of("livekit_host") +
                      ": user info (user:password@) is not allowed in the URL; remove it, "
                      "the API key and secret authenticate the calls");
  }
  if (!url) {
    throw ConfigError(
        name_of("livekit_host") + ": \"" + host +
        "\" is not a LiveKit URL: write http://, https://, ws:// or wss:// and host[:port], "
        "e.g. http://livekit-server:7880");
  }
  api.url = *url;
  api.api_key = in.required("livekit_api_key", " to call LiveKit's Egress API");
  api.api_secret = in.required("livekit_api_secret", " to call LiveKit's Egress API");
  api.ca_file = in.text("livekit_ca_file");
  require_pem_file(name_of("livekit_ca_file"), api.ca_file, "a PEM CA bundle");
  api.insecure_skip_verify = in.boolean("livekit_insecure_skip_verify");
  api.connect_timeout = in.duration("api_connect_timeout", false);
  api.request_timeout = in.duration("api_request_timeout", false);
  const auto flavour = livekit::parse_egress_flavour(lower(in.text("api_flavour")));
  if (!flavour) {
    throw ConfigError(name_of("api_flavour") + ": \"" + in.text("api_flavour") +
                      "\" is not a flavour: use auto, unified or legacy");
  }
  api.flavour = *flavour;
  return api;
}

WebhookAuth read_webhook(const Reader& in, const LiveKitApi& api) {
  WebhookAuth auth;
  auth.api_key = in.get("webhook_api_key").value_or(api.api_key);
  if (auto secret = in.get("webhook_api_secret")) {
    auth.api_secret = *secret;
  } else if (auth.api_key == api.api_key) {
    auth.api_secret = api.api_secret;
  } else {
    throw ConfigError("webhook_api_key (WEBHOOK_API_KEY) \"" + auth.api_key +
                      "\" differs from livekit_api_key, so webhooks are signed with another "
                      "secret: set webhook_api_secret (WEBHOOK_API_SECRET) to that key's secret");
  }
  return auth;
}

recorder::Delivery read_delivery(const Reader& in) {
  recorder::Delivery d;
  d.reconcile_interval = in.duration("reconcile_interval", true);
  d.retry_initial_delay = in.duration("retry_initial_delay", false);
  d.retry_max_delay = in.duration("retry_max_delay", false);
  d.retry_give_up_after = in.duration("retry_give_up_after", false);
  if (d.retry_max_delay < d.retry_initial_delay) {
    throw ConfigError(name_of("retry_max_delay") + " must not be shorter than " +
                      name_of("retry_initial_delay"));
  }
  d.max_restarts_per_hour =
      static_cast<std::uint32_t>(in.integer("max_restarts_per_hour", 0, 1000));
  d.restart_stopped_recordings = in.boolean("restart_stopped_recordings");
  d.heal_duplicates = in.boolean("heal_duplicates");
  d.max_pending_starts = in.integer("max_pending_starts", 1, 10'000'000);
  d.egress_concurrency = in.integer("egress_concurrency", 1, 10'000);
  d.dedupe_ttl = in.duration("dedupe_ttl", false);
  d.dedupe_capacity = in.integer("dedupe_capacity", 100, 100'000'000);
  return d;
}

std::string read_api_token(const Reader& in) {
  std::string token = in.text("api_token");
  if (token.empty()) return token;
  const bool blank = token.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank || token.size() < kMinApiTokenBytes) {
    // The token itself is never quoted: only its length.
    throw ConfigError(name_of("api_token") + " is " +
                      (blank ? "only whitespace"
                             : "shorter than " + std::to_string(kMinApiTokenBytes) + " bytes") +
                      ": give at least " + std::to_string(kMinApiTokenBytes) +
                      " random bytes (for example openssl rand -base64 24), or unset it to turn "
                      "the API off");
  }
  return token;
}

Server read_server(const Reader& in) {
  Server server;
  server.port = static_cast<std::uint16_t>(in.integer("listen_port", 1, 65535));
  server.max_body_bytes = in.integer("max_body_bytes", 1024, 64ULL * 1024 * 1024);
  server.shutdown_timeout = in.duration("shutdown_timeout", true);
  server.max_header_bytes = in.integer("max_header_bytes", 1024, std::uint64_t{1024} * 1024);
  server.max_connections = in.integer("max_connections", 1, 1'000'000);
  server.threads = static_cast<unsigned>(in.integer("server_threads", 0, 64));
  if (server.threads == 0) {
    server.threads = std::clamp(std::thread::hardware_concurrency(), 1U, 4U);
  }
  server.idle_timeout = in.duration("idle_timeout", false);
  server.header_timeout = in.duration("header_timeout", false);
  server.body_timeout = in.duration("body_timeout", false);
  server.tls_cert_file = in.text("tls_cert_file");
  server.tls_key_file = in.text("tls_key_file");
  if (server.tls_cert_file.empty() != server.tls_key_file.empty()) {
    throw ConfigError(
        "tls_cert_file (TLS_CERT_FILE) and tls_key_file (TLS_KEY_FILE) go together: "
        "set both to serve HTTPS, or neither for plain HTTP");
  }
  // OpenSSL would wait forever on a FIFO: only regular files (SIGHUP reloads them as they are).
  for (const auto& [key, path] : {std::pair{"tls_cert_file", &server.tls_cert_file},
                                  std::pair{"tls_key_file", &server.tls_key_file}}) {
    require_pem_file(name_of(key), *path, "a PEM file");
  }
  server.shutdown_delay = in.duration("shutdown_delay", true);
  if (in.get("health_port")) {
    server.health_port = static_cast<std::uint16_t>(in.integer("health_port", 1, 65535));
    if (server.health_port == server.port) server.health_port = 0;
  }
  return server;
}

log::Settings read_logging(const Reader& in) {
  log::Settings log;
  const std::string level = lower(in.text("log_level"));
  if (level == "debug") {
    log.level = log::Level::kDebug;
  } else if (level == "info") {
    log.level = log::Level::kInfo;
  } else if (level == "warn" || level == "warning") {
    log.level = log::Level::kWarn;
  } else if (level == "error") {
    log.level = log::Level::kError;
  } else {
    throw ConfigError(name_of("log_level") + ": \"" + in.text("log_level") +
                      "\" is not a level: use debug, info, warn or error");
  }
  const std::string format = lower(in.text("log_format"));
  if (format == "text") {
    log.format = log::Format::kText;
  } else if (format == "json") {
    log.format = log::Format::kJson;
  } else {
    throw ConfigError(name_of("log_format") + ": \"" + in.text("log_format") +
                      "\" is not a format: use text or json");
  }
  return log;
}

ledger::Settings read_ledger(const Reader& in, bool redis_enabled,
                             std::vector<std::string>& warnings) {
  ledger::Settings ledger;
  const std::string switch_text = lower(in.text("ledger"));
  const auto on = parse_bool(switch_text);
  if (!on) {
    throw ConfigError(name_of("ledger") + ": \"" + in.text("ledger") +
                      "\" is not on or off: write off to turn the ledger off");
  }
  ledger.enabled = *on;
  ledger.path = in.text("ledger.path");
  ledger.path_set = in.get("ledger.path").has_value();
  ledger.retention = in.duration("ledger.retention", false);
  if (ledger.retention < std::chrono::hours(1)) {
    throw ConfigError(name_of("ledger.retention") + " must be at least 1h");
  }
  ledger.postgres_url = in.text("ledger.postgres_url");
  ledger.spill_path = in.text("ledger.spill_path");
  ledger.readers = in.integer("ledger.readers", 1, 64);
  ledger.query_timeout = in.duration("ledger.query_timeout", false);
  if (ledger.query_timeout < std::chrono::milliseconds(100)) {
    throw ConfigError(name_of("ledger.query_timeout") + " must be at least 100ms");
  }
  if (ledger.enabled && ledger.path_set && !ledger.postgres_url.empty()) {
    throw ConfigError(name_of("ledger.path") + " and " + name_of("ledger.postgres_url") +
                      " are both set: the ledger is in one place; remove one of them");
  }
  if (ledger.enabled && redis_enabled && ledger.postgres_url.empty()) {
    if (ledger.path_set) {
      throw ConfigError(name_of("ledger.path") +
                        " is set together with redis: each replica would keep a different part "
                        "of the record in its own file; set " +
                        name_of("ledger.postgres_url") + " instead");
    }
    ledger.enabled = false;
    warnings.emplace_back(
        "ledger off: with redis: (several replicas) the ledger needs one database every replica "
        "writes to; set " +
        name_of("ledger.postgres_url") + " to keep it");
  }
  if (ledger.enabled && ledger.postgres_url.empty() && ledger.path.empty()) {
    throw ConfigError(name_of("ledger.path") + " is empty: name the SQLite file, or set " +
                      name_of("ledger") + " to off");
  }
  return ledger;
}

}  // namespace ar::config
