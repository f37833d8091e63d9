#pragma once
// `rules:` change the recording settings, or skip rooms, by room name and metadata.
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/raw.hpp"

namespace ar::config {

// `rules:` from the file, each merged over the top level's recording settings in `top`.
std::vector<recording::Rule> read_rules(const YAML::Node& node, const RawSettings& top,
                                        const std::string& file, const EnvLookup& env,
                                        const recording::NamedStorages& storages,
                                        bool default_storage, std::vector<std::string>& warnings);

}  // namespace ar::config
