#pragma once
// How rooms are recorded: the top level's recording settings (layout, outputs, encoding) and the
// `rules:` that change them, or skip rooms, by room name and metadata.
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/raw.hpp"

namespace ar::config {

// The recording settings `in` holds. `own` holds only what this scope (the top level, or one
// rule) set itself, for the checks that care who said what. `default_storage`: storage: is set.
recording::Recording read_recording(const Reader& in, const Reader& own,
                                    const recording::NamedStorages& storages, bool default_storage);

// `rules:` from the file, each merged over the top level's recording settings in `top`.
std::vector<recording::Rule> read_rules(const YAML::Node& node, const RawSettings& top,
                                        const std::string& file, const EnvLookup& env,
                                        const recording::NamedStorages& storages,
                                        bool default_storage, std::vector<std::string>& warnings);

}  // namespace ar::config
