#pragma once
#include <string>

#include "config/config.hpp"

namespace ar::config {

// The effective configuration for --check-config: one line per setting with the value and where
// it came from; secrets show as <redacted>.
std::string describe(const Config& config);
// Where notifications go: each endpoint, its events and statuses, timeout, secrets counted (never
// shown), proxy. Empty without endpoints.
std::string describe_notifications(const notify::Settings& settings);

}  // namespace ar::config
