#pragma once
// Where recordings are uploaded: the default storage (`storage:` and the storage environment
// variables, as the Go service had it) and the named ones under `storages:` that outputs may
// choose.
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/raw.hpp"

namespace ar::config {

// Exactly one provider: "No storage provider configured" / "Only one storage provider can be
// configured" otherwise. Warnings (ignored legacy keys) are appended to `warnings`.
recording::Storage read_storage(const Reader& in, std::vector<std::string>& warnings);

// `storages:` from the file: each name holds one provider block, with storage:'s keys and errors.
recording::NamedStorages read_named_storages(const YAML::Node& node, const std::string& file,
                                             const EnvLookup& env,
                                             std::vector<std::string>& warnings);

}  // namespace ar::config
