#pragma once
// Loads the configuration: YAML file (with ${VAR} expansion), then environment variables on top,
// then validation. Every error names the setting and how to fix it, and never prints a secret.
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/error.hpp"
#include "config/expand.hpp"

namespace ar::config {

// The configuration file's content in a variable, instead of a file.
inline constexpr std::string_view kConfigBodyVariable = "AUTO_RECORDER_CONFIG_BODY";

// What a command needs: the service all of it; `report` only the ledger's settings (and redis:,
// which decides whether the ledger is on), so a reporting CronJob holds no LiveKit secret.
enum class Scope { kService, kLedgerOnly };

// AUTO_RECORDER_CONFIG_BODY, when set, is the YAML (and no file may be named too); else
// path_flag is --config; without it CONFIG_FILE, then ./config.yaml. A missing ./config.yaml
// means "environment only"; a file named by the flag or CONFIG_FILE must exist.
Config load_config(const EnvLookup& env, const std::optional<std::string>& path_flag,
                   Scope scope = Scope::kService);

// The same from YAML text instead of a file (fuzzing and tests): `text` is the file's content.
Config load_config_yaml(const std::string& text, const EnvLookup& env);

// The process environment, for main().
EnvLookup process_environment();

}  // namespace ar::config
