#pragma once
#include <string>

#include "config/config.hpp"

namespace ar::config {

// The effective configuration for --check-config: one line per setting with the value and where
// it came from; secrets show as <redacted>.
std::string describe(const Config& config);

}  // namespace ar::config
