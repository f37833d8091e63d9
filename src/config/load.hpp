#pragma once
// Loads the configuration: YAML file (with ${VAR} expansion), then environment variables on top,
// then validation. Every error names the setting and how to fix it, and never prints a secret.
#include <optional>
#include <stdexcept>
#include <string>

#include "config/config.hpp"
#include "config/expand.hpp"

namespace ar::config {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// path_flag is --config; without it CONFIG_FILE, then ./config.yaml. A missing ./config.yaml
// means "environment only"; a file named by the flag or CONFIG_FILE must exist.
Config load_config(const EnvLookup& env, const std::optional<std::string>& path_flag);

// The same from YAML text instead of a file (fuzzing and tests): `text` is the file's content.
Config load_config_yaml(const std::string& text, const EnvLookup& env);

// The process environment, for main().
EnvLookup process_environment();

}  // namespace ar::config
