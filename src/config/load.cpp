#include "config/load.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "config/files.hpp"
#include "config/raw.hpp"
#include "config/recording.hpp"
#include "config/settings.hpp"
#include "config/storage.hpp"
#include "livekit/host.hpp"
#include "util/duration.hpp"
#include "util/proxy.hpp"

namespace ar::config {
namespace {

// Anything but blank lines, comments and document markers.
bool has_content(std::string_view text) {
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    const std::string line = trim(text.substr(begin, end - begin));
    if (!line.empty() && !line.starts_with('#') && line != "---" && line != "...") return true;
    begin = end + 1;
  }
  return false;
}

void read_yaml_text(const std::string& text, const std::string& name, const EnvLookup& env,
                    RawSettings& raw) {
  try {
    refuse_aliases(text, name);
    const YAML::Node root = YAML::Load(text);
    if (root.IsNull() && has_content(text)) {
      throw ConfigError("config file " + name +
                        " holds no settings although it is not empty: is it YAML?");
    }
    raw.file = name;
    YamlReader({.file = name}, env, raw).read_mapping(root, "");
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file " + name + " is not valid YAML: line " +
                      std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

void overlay_environment(const EnvLookup& env, RawSettings& raw) {
  // An empty variable counts as unset: Kubernetes manifests often carry "value: ''".
  auto get = [&](const std::string& name) -> std::optional<std::string> {
    auto value = env(name);
    return value && !value->empty() ? value : std::nullopt;
  };
  for (const Setting& setting : all_settings()) {
    if (setting.env.empty()) continue;
    const std::string name(setting.env);
    const std::string key(setting.key);
    std::optional<std::string> value = get(name);
    if (setting.secret) {
      if (auto path = get(name + "_FILE")) {
        if (value) throw ConfigError("set either " + name + " or " + name + "_FILE, not both");
        raw.values[key] = read_secret_file(name + "_FILE", *path);
        raw.origins[key] = "$" + name + "_FILE";
        continue;
      }
    }
    if (value) {
      raw.values[key] = std::move(*value);
      raw.origins[key] = "$" + name;
    }
  }
}

// Every setting as it ended up, for --check-config (secrets are redacted when printed).
std::vector<EffectiveSetting> effective_settings(const RawSettings& raw,
                                                 const std::optional<recording::Storage>& storage,
                                                 const coordination::RedisSettings& redis) {
  const std::string storage_prefix =
      storage ? "storage." + std::string(recording::storage_name(*storage)) + "." : "(none)";
  std::vector<EffectiveSetting> out;
  for (const Setting& setting : all_settings()) {
    const std::string key(setting.key);
    const bool other_storage = (key.starts_with("storage.") && !key.starts_with(storage_prefix)) ||
                               (key.starts_with("redis.") && !redis.enabled());
    const auto value = raw.values.find(key);
    if (setting.kind == Kind::kStringMap) {
      if (auto map = raw.maps.find(key); map != raw.maps.end()) {
        for (const auto& [name, text] : map->second) {
          out.push_back({key + "." + name, text, "config file", false});
        }
      }
      continue;
    }
    if (other_storage || (value == raw.values.end() && setting.default_value.empty())) continue;
    if (value == raw.values.end()) {
      out.push_back({key, std::string(setting.default_value), "default", setting.secret});
    } else {
      out.push_back({key, value->second, raw.origins.at(key), setting.secret});
    }
  }
  return out;
}

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
  if (std::error_code ec;
      !api.ca_file.empty() && !std::filesystem::is_regular_file(api.ca_file, ec)) {
    throw ConfigError(name_of("livekit_ca_file") + ": " + api.ca_file +
                      " is not a readable file: give the path of a PEM CA bundle");
  }
  api.insecure_skip_verify = in.boolean("livekit_insecure_skip_verify");
  api.connect_timeout = in.duration("api_connect_timeout", false);
  api.request_timeout = in.duration("api_request_timeout", false);
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
  d.max_pending_starts = in.integer("max_pending_starts", 1, 10'000'000);
  d.egress_concurrency = in.integer("egress_concurrency", 1, 10'000);
  d.dedupe_ttl = in.duration("dedupe_ttl", false);
  d.dedupe_capacity = in.integer("dedupe_capacity", 100, 100'000'000);
  return d;
}

// "host", "host:port" or "[v6]:port".
std::optional<coordination::HostPort> parse_host_port(std::string_view text) {
  coordination::HostPort out;
  std::string_view host = text;
  std::string_view port;
  const bool bracketed = text.starts_with("[");
  if (bracketed) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(":")) return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || (!bracketed && host.find_first_of(" /@:") != std::string_view::npos)) {
    return std::nullopt;
  }
  out.host = std::string(host);
  if (port.empty()) return text.ends_with(":") ? std::nullopt : std::optional(out);
  unsigned number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(number);
  return out;
}

coordination::HostPort read_host_port(std::string_view key, std::string_view text) {
  auto parsed = parse_host_port(text);
  if (!parsed) {
    // A redis://user:password@host URL would put the password into the message.
    const std::string shown = text.find('@') == std::string_view::npos
                                  ? "\"" + std::string(text) + "\""
                                  : "the value (not shown: it holds credentials)";
    throw ConfigError(name_of(key) + ": " + shown +
                      " is not host:port: write e.g. redis:6379 (no redis:// prefix; TLS is " +
                      name_of("redis.tls") + ", the password redis.password)");
  }
  return *parsed;
}

coordination::RedisSettings read_redis(const Reader& in) {
  coordination::RedisSettings redis;
  const std::string address = in.text("redis.address");
  if (!address.empty()) redis.address = read_host_port("redis.address", address);
  for (const std::string& sentinel : split_list(in.text("redis.sentinel_addresses"))) {
    redis.sentinels.push_back(read_host_port("redis.sentinel_addresses", sentinel));
  }
  if (!redis.enabled()) {
    // Redis settings without an address would be silently ignored: say so instead.
    for (const Setting& setting : all_settings()) {
      if (setting.key.starts_with("redis.") && in.get(setting.key)) {
        throw ConfigError(name_of(setting.key) +
                          " is set, but Redis is off: set redis.address (REDIS_ADDRESS) or "
                          "redis.sentinel_addresses to coordinate replicas, or remove it");
      }
    }
    return redis;
  }
  if (redis.address && !redis.sentinels.empty()) {
    throw ConfigError("set either " + name_of("redis.address") + " or " +
                      name_of("redis.sentinel_addresses") + ", not both");
  }
  redis.sentinel_master_name = in.text("redis.sentinel_master_name");
  if (!redis.sentinels.empty() && redis.sentinel_master_name.empty()) {
    throw ConfigError(name_of("redis.sentinel_master_name") +
                      " is required with redis.sentinel_addresses: the name in the Sentinels' "
                      "\"sentinel monitor\" line");
  }
  if (redis.sentinels.empty() && !redis.sentinel_master_name.empty()) {
    throw ConfigError(name_of("redis.sentinel_master_name") +
                      " needs redis.sentinel_addresses (REDIS_SENTINEL_ADDRESSES)");
  }
  redis.sentinel_username = in.text("redis.sentinel_username");
  redis.sentinel_password = in.text("redis.sentinel_password");
  redis.username = in.text("redis.username");
  redis.password = in.text("redis.password");
  if (!redis.username.empty() && redis.password.empty()) {
    throw ConfigError(name_of("redis.password") + " is required with redis.username");
  }
  redis.db = static_cast<std::uint32_t>(in.integer("redis.db", 0, 100000));
  redis.tls = in.boolean("redis.tls");
  redis.ca_file = in.text("redis.ca_file");
  if (!redis.ca_file.empty() && !redis.tls) {
    throw ConfigError(name_of("redis.ca_file") + " is set but " + name_of("redis.tls") +
                      " is off: turn TLS on, or remove the CA file");
  }
  if (std::error_code ec;
      !redis.ca_file.empty() && !std::filesystem::is_regular_file(redis.ca_file, ec)) {
    throw ConfigError(name_of("redis.ca_file") + ": " + redis.ca_file +
                      " is not a readable file: give the path of a PEM CA bundle");
  }
  redis.key_prefix = in.text("redis.key_prefix");
  redis.claim_ttl = in.duration("redis.claim_ttl", false);
  redis.lease_ttl = in.duration("redis.lease_ttl", false);
  redis.timeout = in.duration("redis.timeout", false);
  if (redis.lease_ttl < std::chrono::seconds(1) || redis.claim_ttl < std::chrono::seconds(1)) {
    throw ConfigError(
        name_of(redis.lease_ttl < std::chrono::seconds(1) ? "redis.lease_ttl" : "redis.claim_ttl") +
        " must be at least 1s: it is renewed over the network");
  }
  if (redis.timeout * 2 > redis.lease_ttl) {
    throw ConfigError(name_of("redis.timeout") + " must be at most half of " +
                      name_of("redis.lease_ttl") +
                      ", or a slow Redis would lose the lease between renewals");
  }
  return redis;
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

}  // namespace

namespace {
Config build_config(RawSettings& raw, const EnvLookup& env, Config config);

// A file path without {time} or {utc} overwrites the earlier recording of a room of that name.
void warn_about_overwrites(Config& config) {
  auto check = [&](const recording::Recording& recording, std::string_view where) {
    if (!recording.file) return;
    const std::string& path = recording.file->path;
    if (path.find("{time}") != std::string::npos || path.find("{utc}") != std::string::npos) {
      return;
    }
    config.warnings.push_back(
        std::string(where) + "file_path \"" + path +
        "\" has neither {time} nor {utc}: a recording restarted after a failure, or a later room "
        "with the same name, overwrites the earlier file. Add {time} or {utc}.");
  };
  check(config.recording, "");
  const std::string* top = config.recording.file ? &config.recording.file->path : nullptr;
  for (const recording::Rule& rule : config.rules) {
    if (!rule.record || !rule.recording.file || (top && *top == rule.recording.file->path))
      continue;
    check(rule.recording, rule.label + ": ");
  }
}
}  // namespace

Config load_config(const EnvLookup& env, const std::optional<std::string>& path_flag) {
  RawSettings raw;
  std::string path = "config.yaml";
  bool named = false;
  if (path_flag) {
    path = *path_flag;
    named = true;
  } else if (auto from_env = env("CONFIG_FILE"); from_env && !from_env->empty()) {
    path = *from_env;
    named = true;
  }

  Config config;
  // The whole file in a variable, as livekit-server (LIVEKIT_CONFIG) and egress
  // (EGRESS_CONFIG_BODY) take theirs: no volume to mount.
  if (auto body = env(kConfigBodyVariable); body && !body->empty()) {
    if (named) {
      throw ConfigError(std::string(kConfigBodyVariable) + " and " +
                        (path_flag ? "--config" : "CONFIG_FILE") +
                        " are both set: give the configuration one way");
    }
    if (body->size() > kMaxConfigFileBytes) {
      throw ConfigError(std::string(kConfigBodyVariable) + " is larger than " +
                        std::to_string(kMaxConfigFileBytes / 1024) +
                        " KiB: mount the configuration as a file instead");
    }
    const std::string name = "$" + std::string(kConfigBodyVariable);
    read_yaml_text(*body, name, env, raw);
    read_yaml_secret_files(name, raw);
    config.source = name + " + environment";
    return build_config(raw, env, std::move(config));
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    read_yaml_text(read_config_file(path, path_flag ? "--config"
                                          : named   ? "CONFIG_FILE"
                                                    : ""),
                   path, env, raw);
    read_yaml_secret_files(path, raw);
    config.source = path + " + environment";
  } else if (named) {
    throw ConfigError("config file " + path + " does not exist (named by " +
                      (path_flag ? "--config" : "CONFIG_FILE") +
                      "): fix the path, or unset it to configure through the environment only");
  } else {
    config.source = "environment only (no " + path + ")";
  }
  return build_config(raw, env, std::move(config));
}

Config load_config_yaml(const std::string& text, const EnvLookup& env) {
  RawSettings raw;
  read_yaml_text(text, "config.yaml", env, raw);
  read_yaml_secret_files("config.yaml", raw);
  Config config;
  config.source = "config.yaml + environment";
  return build_config(raw, env, std::move(config));
}

namespace {

// Environment on top of what the file said, then conversion and validation.
Config build_config(RawSettings& raw, const EnvLookup& env, Config config) {
  overlay_environment(env, raw);

  const Reader in(raw);
  config.log = read_logging(in);
  config.livekit = read_livekit(in);
  config.webhook = read_webhook(in, config.livekit);
  config.server.port = static_cast<std::uint16_t>(in.integer("listen_port", 1, 65535));
  config.server.max_body_bytes = in.integer("max_body_bytes", 1024, 64ULL * 1024 * 1024);
  config.server.shutdown_timeout = in.duration("shutdown_timeout", true);
  config.server.max_header_bytes = in.integer("max_header_bytes", 1024, std::uint64_t{1024} * 1024);
  config.server.max_connections = in.integer("max_connections", 1, 1'000'000);
  config.server.threads = static_cast<unsigned>(in.integer("server_threads", 0, 64));
  if (config.server.threads == 0) {
    config.server.threads = std::clamp(std::thread::hardware_concurrency(), 1U, 4U);
  }
  config.server.idle_timeout = in.duration("idle_timeout", false);
  config.server.header_timeout = in.duration("header_timeout", false);
  config.server.body_timeout = in.duration("body_timeout", false);
  config.server.tls_cert_file = in.text("tls_cert_file");
  config.server.tls_key_file = in.text("tls_key_file");
  if (config.server.tls_cert_file.empty() != config.server.tls_key_file.empty()) {
    throw ConfigError(
        "tls_cert_file (TLS_CERT_FILE) and tls_key_file (TLS_KEY_FILE) go together: "
        "set both to serve HTTPS, or neither for plain HTTP");
  }
  // OpenSSL would wait forever on a FIFO: only regular files (SIGHUP reloads them as they are).
  for (const auto& [key, path] : {std::pair{"tls_cert_file", &config.server.tls_cert_file},
                                  std::pair{"tls_key_file", &config.server.tls_key_file}}) {
    if (std::error_code ec; !path->empty() && !std::filesystem::is_regular_file(*path, ec)) {
      throw ConfigError(name_of(key) + ": " + *path +
                        " is not a readable file: give the path of a PEM file");
    }
  }
  config.server.shutdown_delay = in.duration("shutdown_delay", true);
  if (in.get("health_port")) {
    config.server.health_port = static_cast<std::uint16_t>(in.integer("health_port", 1, 65535));
    if (config.server.health_port == config.server.port) config.server.health_port = 0;
  }
  config.storages = read_named_storages(raw.storages, raw.file, env, config.warnings);
  // With named storages the default one may be left out; every output then names its storage.
  if (config.storages.empty() || in.section_present("storage")) {
    config.storage = read_storage(in, config.warnings);
  }
  const bool default_storage = config.storage.has_value();
  config.recording = read_recording(in, in, config.storages, default_storage);
  config.rules =
      read_rules(raw.rules, raw, raw.file, env, config.storages, default_storage, config.warnings);
  config.delivery = read_delivery(in);
  config.redis = read_redis(in);
  if (config.livekit.insecure_skip_verify) {
    config.warnings.emplace_back(
        "livekit_insecure_skip_verify is on: LiveKit's TLS certificate is NOT verified, so anyone "
        "on the network path can read the API secret's tokens and the storage credentials. Use "
        "livekit_ca_file for a private CA instead.");
  }
  // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, for the calls to LiveKit's API only.
  if (const auto endpoint = livekit::parse_base_url(config.livekit.url)) {
    try {
      config.livekit.proxy =
          util::proxy_for(endpoint->tls ? "https" : "http", endpoint->host, endpoint->port, env);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
  }
  config.effective = effective_settings(raw, config.storage, config.redis);
  // Show what the webhook key and secret resolved to, not the "(livekit_api_key)" placeholder.
  for (EffectiveSetting& setting : config.effective) {
    if (setting.origin != "default") continue;
    if (setting.key == "webhook_api_key") {
      setting = {setting.key, config.webhook.api_key, "default: livekit_api_key", false};
    } else if (setting.key == "webhook_api_secret") {
      setting = {setting.key, config.webhook.api_secret, "default: livekit_api_secret", true};
    }
  }
  warn_about_overwrites(config);
  return config;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // Read during load_config, before any thread exists.
    const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace ar::config
