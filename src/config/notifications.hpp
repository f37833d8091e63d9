#pragma once
// Where notifications go: NOTIFY_URL (one endpoint, every event) and `notifications:` (a list,
// each with its url, secret, events, statuses, timeout), checked together.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/raw.hpp"
#include "notify/settings.hpp"

namespace ar::config {

// `top`: the top level (notify_*); `node`: the file's notifications: list.
notify::Settings read_notifications(const YAML::Node& node, const RawSettings& top,
                                    const std::string& file, const EnvLookup& env,
                                    std::vector<std::string>& warnings);

}  // namespace ar::config
