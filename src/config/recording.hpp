#pragma once
// How rooms are recorded: the recording settings (layout, outputs, encoding) of the top level or
// of one rule.
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/raw.hpp"

namespace ar::config {

// The recording settings `in` holds. `own` holds only what this scope (the top level, or one
// rule) set itself, for the checks that care who said what. `default_storage`: storage: is set.
recording::Plan read_recording(const Reader& in, const Reader& own,
                               const recording::NamedStorages& storages, bool default_storage);

}  // namespace ar::config
