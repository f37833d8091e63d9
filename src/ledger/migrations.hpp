#pragma once
// The ledger's schema as the migrations that build it, for SqlStore: each runs once, in order, in
// one transaction, and the database counts how many ran (Database::lock_schema_version).
#include <string>

#include "ledger/database.hpp"

namespace ar::ledger {

// How many there are: the schema version this binary writes.
int migration_count();
// The oldest schema version whose binaries still read and write a ledger at `version` (from 1):
// a rollback to one of them works; to an older one it is refused, naming the release to run.
int readable_by(int version);
// From this version on, the ledger says its readable_by and the release that wrote it
// (ledger_compat): binaries before it refuse every newer schema.
inline constexpr int kCompatSince = 6;
// Migration `i` (from 0) in `db`'s dialect: statements without parameters, for Database::exec.
std::string migration(int i, const Database& db);

}  // namespace ar::ledger
