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

// A connection of its own for the notifier (notify/notifier.hpp), which claims and settles the
// outbox's rows, and for `notify resend`: of a ledger the service made, never creating one (a file
// deleted is made anew by the writer, not here). Throws StoreError.
std::unique_ptr<Outbox> open_outbox(const Settings& settings);

// Where that is, for people: the file, or "postgresql://host:port/database" (no user, password).
std::string where(const Settings& settings);

// What --check-config says of the ledger, opened read-only: where it is and its schema.
// `usable` is false when the service would refuse it (a newer schema that changed what this
// binary relies on, a file that is no ledger, a password refused); a database that does not
// answer, or one not made yet, is usable: the service starts.
struct SchemaReport {
  std::string text;
  bool usable = true;
};
SchemaReport describe_schema(const Settings& settings);

}  // namespace ar::ledger
