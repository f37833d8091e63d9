#include "config/environment_names.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "config/load.hpp"
#include "config/settings.hpp"
#include "util/text.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace ar::config {
namespace {

// The prefixes of the recorder's own variables; a variable under one of them is meant for it.
constexpr std::array<std::string_view, 16> kPrefixes{
    "AUTO_RECORDER_", "LIVEKIT_", "WEBHOOK_",  "S3_",      "AZURE_", "GCP_",
    "ALIOSS_",        "REDIS_",   "LEDGER_",   "STORAGE_", "RETRY_", "RECONCILE_",
    "DEDUPE_",        "TLS_",     "SHUTDOWN_", "API_"};

// Variables read outside the settings table.
constexpr std::array<std::string_view, 1> kOthers{kConfigBodyVariable};

std::set<std::string, std::less<>> known_names() {
  std::set<std::string, std::less<>> names(kOthers.begin(), kOthers.end());
  for (const Setting& setting : all_settings()) {
    if (setting.env.empty()) continue;
    names.emplace(setting.env);
    if (setting.secret) names.emplace(std::string(setting.env) + "_FILE");
  }
  return names;
}

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What the kubelet sets for every Service in the namespace (unless enableServiceLinks: false):
// NAME_SERVICE_HOST, NAME_SERVICE_PORT[_PORTNAME], NAME_PORT=tcp://..., NAME_PORT_80_TCP[_*].
bool is_service_link(std::string_view name, std::string_view value) {
  if (name.ends_with("_SERVICE_HOST") || name.find("_SERVICE_PORT") != std::string_view::npos) {
    return true;
  }
  if (name.ends_with("_PORT") && (value.starts_with("tcp://") || value.starts_with("udp://") ||
                                  value.starts_with("sctp://"))) {
    return true;
  }
  const auto port = name.rfind("_PORT_");
  if (port == std::string_view::npos) return false;
  std::string_view rest = name.substr(port + 6);  // "80_TCP", "80_TCP_ADDR", ...
  const auto underscore = rest.find('_');
  if (underscore == std::string_view::npos || !is_digits(rest.substr(0, underscore))) return false;
  rest.remove_prefix(underscore + 1);
  return rest.starts_with("TCP") || rest.starts_with("UDP") || rest.starts_with("SCTP");
}

}  // namespace

std::vector<std::string> unknown_variables(const Environment& environment) {
  static const std::set<std::string, std::less<>> known = known_names();
  std::vector<std::string> messages;
  for (const auto& entry : environment) {
    const std::string& name = entry.first;  // not a structured binding: lambdas capture it
    if (known.contains(name) || name == "GOOGLE_APPLICATION_CREDENTIALS") continue;
    if (std::none_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](std::string_view prefix) { return name.starts_with(prefix); })) {
      continue;
    }
    if (is_service_link(name, entry.second)) continue;
    std::string best;
    std::size_t best_distance = 4;  // near misses only
    for (const std::string& candidate : known) {
      const std::size_t distance = util::edit_distance(name, candidate);
      if (distance < best_distance) {
        best_distance = distance;
        best = candidate;
      }
    }
    messages.push_back(
        "environment variable " + name + " is not a setting" +
        (best.empty() ? " (see docs/configuration.md)" : ": did you mean " + best + "?") +
        "; it is ignored");
  }
  return messages;
}

Environment process_environment_entries() {
  Environment entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    entries.emplace_back(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return entries;
}

}  // namespace ar::config
