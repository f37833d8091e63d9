#pragma once
// The ledger the settings name: on the PostgreSQL server of ledger.postgres_url when set, else
// in the SQLite file of ledger.path.
#include <memory>

#include "ledger/database.hpp"
#include "ledger/settings.hpp"
#include "ledger/store.hpp"

namespace ar::ledger {

// Throws StoreError naming the database and the fix (never the password). `statement_limit`:
// each statement stops after that long (Database::limit_statements); 0, none.
std::unique_ptr<Store> open_store(const Settings& settings, Access access,
                                  std::chrono::milliseconds statement_limit = {});

// Where that is, for people: the file, or "postgresql://host:port/database" (no user, password).
std::string where(const Settings& settings);

}  // namespace ar::ledger
