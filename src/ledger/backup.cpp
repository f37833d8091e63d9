#include "ledger/backup.hpp"

#include <filesystem>

#include "ledger/sqlite_database.hpp"
#include "ledger/store.hpp"

namespace ar::ledger {

std::uintmax_t backup(const Settings& settings, const std::string& to) {
  if (!settings.postgres_url.empty()) {
    throw StoreError(
        "is a PostgreSQL database: back it up with pg_dump (pg_dump --format=custom "
        "--file=ledger.dump \"$LEDGER_POSTGRES_URL\"), and restore with pg_restore "
        "(docs/ledger.md, \"Backup and restore\")");
  }
  std::error_code ec;
  if (std::filesystem::exists(to, ec)) {
    throw StoreError("cannot be backed up to " + to + ": it exists; name a new file");
  }
  SqliteDatabase db(settings.path, Access::kRead);
  std::string quoted;
  for (const char c : to) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  // VACUUM INTO fills an empty file: made first, 0600, so the copy is as private as the ledger.
  make_private(to);
  try {
    db.exec("VACUUM INTO '" + quoted + "'");
  } catch (const StoreError& e) {
    std::filesystem::remove(to, ec);
    throw StoreError("could not be backed up to " + to + ": " + e.what());
  }
  return std::filesystem::file_size(to, ec);
}

}  // namespace ar::ledger
