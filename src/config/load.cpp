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
#include "config/notifications.hpp"
#include "config/raw.hpp"
#include "config/recording.hpp"
#include "config/redis.hpp"
#include "config/rules.hpp"
#include "config/sections.hpp"
#include "config/settings.hpp"
#include "config/storage.hpp"
#include "livekit/egress.hpp"
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
    // rules:, storages: and notifications: are read whole by read_rules, read_named_storages and
    // read_notifications.
    YamlReader({.file = name, .own_keys = {"rules", "storages", "notifications"}}, env, raw)
        .read_mapping(root, "");
    if (root.IsMap()) {
      if (const YAML::Node rules = root["rules"]; rules.IsDefined()) raw.rules = rules;
      if (const YAML::Node storages = root["storages"]; storages.IsDefined()) {
        raw.storages = storages;
      }
      if (const YAML::Node list = root["notifications"]; list.IsDefined()) {
        raw.notifications = list;
      }
    }
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
        if (std::error_code ec; setting.file_optional && !std::filesystem::exists(*path, ec)) {
          continue;
        }
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
    // Each endpoint's settings (notification.*) are shown with it (describe_notifications).
    const bool other_storage = (key.starts_with("storage.") && !key.starts_with(storage_prefix)) ||
                               (key.starts_with("redis.") && !redis.enabled()) ||
                               key.starts_with("notification.");
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

}  // namespace

namespace {
Config build_config(RawSettings& raw, const EnvLookup& env, Config config, Scope scope);

// A file path without {time} or {utc} overwrites the earlier recording of a room of that name.
void warn_about_overwrites(Config& config) {
  auto check = [&](const recording::Plan& recording, std::string_view where) {
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

Config load_config(const EnvLookup& env, const std::optional<std::string>& path_flag, Scope scope) {
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
    return build_config(raw, env, std::move(config), scope);
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
  return build_config(raw, env, std::move(config), scope);
}

Config load_config_yaml(const std::string& text, const EnvLookup& env) {
  RawSettings raw;
  read_yaml_text(text, "config.yaml", env, raw);
  read_yaml_secret_files("config.yaml", raw);
  Config config;
  config.source = "config.yaml + environment";
  return build_config(raw, env, std::move(config), Scope::kService);
}

namespace {

// api_flavour unified cannot start a recording StartEgress cannot describe (audio_mixing).
void require_unified_expresses(const Config& config) {
  if (config.livekit.flavour != livekit::EgressFlavour::kUnified) return;
  const auto refuse = [](std::string_view where) {
    throw ConfigError(std::string(where) +
                      " sets audio_mixing, which the unified StartEgress cannot carry: set "
                      "api_flavour (API_FLAVOUR) to auto or legacy, or remove audio_mixing");
  };
  if (!livekit::unified_expresses(config.recording)) refuse("the top level");
  for (const recording::Rule& rule : config.rules) {
    if (!livekit::unified_expresses(rule.recording)) refuse(rule.label);
  }
}

// Environment on top of what the file said, then conversion and validation.
Config build_config(RawSettings& raw, const EnvLookup& env, Config config, Scope scope) {
  overlay_environment(env, raw);

  const Reader in(raw);
  if (scope == Scope::kLedgerOnly) {
    config.redis = read_redis(in);
    config.ledger = read_ledger(in, config.redis.enabled(), config.warnings);
    return config;
  }
  config.log = read_logging(in);
  config.livekit = read_livekit(in);
  config.webhook = read_webhook(in, config.livekit);
  config.server = read_server(in);
  config.storages = read_named_storages(raw.storages, raw.file, env, config.warnings);
  // With named storages the default one may be left out; every output then names its storage.
  // `storage: egress` is a default too, though a scalar rather than a section.
  if (config.storages.empty() || in.section_present("storage") || !in.text("storage").empty()) {
    config.storage = read_storage(in, config.warnings);
  }
  const bool default_storage = config.storage.has_value();
  config.recording = read_recording(in, in, config.storages, default_storage);
  config.rules =
      read_rules(raw.rules, raw, raw.file, env, config.storages, default_storage, config.warnings);
  require_unified_expresses(config);
  config.delivery = read_delivery(in);
  config.redis = read_redis(in);
  config.ledger = read_ledger(in, config.redis.enabled(), config.warnings);
  config.api_token = read_api_token(in);
  config.notify = read_notifications(raw.notifications, raw, raw.file, env, config.warnings);
  if (!config.notify.endpoints.empty() && !config.ledger.enabled) {
    throw ConfigError(
        "notifications need the ledger, whose outbox keeps them until delivered: turn the "
        "ledger on (ledger: on, with ledger.path or ledger.postgres_url), or remove notify_url "
        "and notifications:");
  }
  for (const notify::Endpoint& endpoint : config.notify.endpoints) {
    config.ledger.subscriptions.push_back(endpoint.subscription);
  }
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
  // Show what the webhook key and secret resolved to, not the "(livekit_api_key)" placeholder;
  // and the ledger as it will run, not "on" beside the warning that turned it off.
  for (EffectiveSetting& setting : config.effective) {
    if (setting.key == "ledger" && !config.ledger.enabled &&
        parse_bool(lower(setting.value)).value_or(false)) {
      setting = {setting.key, "off", "redis: without ledger.postgres_url", false};
    }
    // notify_url's path and query may hold a token: shown as its endpoint is.
    if (setting.key == "notify_url" && !config.notify.endpoints.empty()) {
      setting.value = config.notify.endpoints.front().shown;
    }
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
