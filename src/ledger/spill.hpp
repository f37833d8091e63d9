#pragma once
// What the ledger was told but could not write before a stop (the store was unreachable) is kept
// in a local file, one JSON line per entry, and replayed at the next start before new entries.
// Replaying is safe twice: every entry applies idempotently (ledger/sql_apply.cpp).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/entry.hpp"
#include "util/result.hpp"

namespace ar::ledger {

// One entry as a line of JSON (no newline), and back; nullopt for a line that is not one.
std::string encode_entry(const Entry& entry);
std::optional<Entry> decode_entry(std::string_view line);

// Writes every entry to `path` through a temporary file renamed over it, so a stop interrupted
// halfway leaves the previous file whole. The error names the file.
util::Result<void> write_spill(const std::string& path, const std::vector<Entry>& entries);

struct SpillRead {
  std::vector<Entry> entries;
  std::size_t unreadable = 0;  // lines that are not entries (a torn or edited file)
  std::string error;           // the file exists but cannot be read
};
// The entries of the spill file at `path`; none when there is no such file.
SpillRead read_spill(const std::string& path);

// Whether entries could be spilled to `path`, or why not (its directory is missing or not
// writable), for a warning at start-up.
util::Result<void> can_spill(const std::string& path);

}  // namespace ar::ledger
