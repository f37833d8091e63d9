#pragma once
// The ledger's schema as the migrations that build it, for SqlStore: each runs once, in order, in
// one transaction, and the database counts how many ran (Database::lock_schema_version).
#include <string>

#include "ledger/database.hpp"

namespace ar::ledger {

// How many there are: the schema version this binary writes.
int migration_count();
// Migration `i` (from 0) in `db`'s dialect: statements without parameters, for Database::exec.
std::string migration(int i, const Database& db);

}  // namespace ar::ledger
