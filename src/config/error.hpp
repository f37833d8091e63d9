#pragma once
#include <stdexcept>

namespace ar::config {

// A configuration that cannot run. The message names the setting (as the operator wrote it, with
// its environment variable) and how to fix it, and never holds a secret's value.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ar::config
