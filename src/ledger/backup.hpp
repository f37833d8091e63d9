#pragma once
// A consistent copy of the ledger while the service writes it (`auto-recorder ledger backup`).
#include <cstdint>
#include <string>

#include "ledger/settings.hpp"

namespace ar::ledger {

// Copies the SQLite ledger to `to` with VACUUM INTO: one read transaction, so the copy holds
// everything committed when it began, the write-ahead log's pages included (a plain copy of the
// file misses them), and is compacted. Returns the copy's size in bytes. Throws StoreError: the
// ledger is on PostgreSQL (pg_dump backs that up), `to` exists, or either file cannot be used.
std::uintmax_t backup(const Settings& settings, const std::string& to);

}  // namespace ar::ledger
