#include "ledger/open.hpp"

#include "ledger/postgres_database.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sqlite_database.hpp"

namespace ar::ledger {

std::unique_ptr<Store> open_store(const Settings& settings, Access access) {
  if (!settings.postgres_url.empty()) {
    auto db = std::make_unique<PostgresDatabase>(settings.postgres_url, access);
    const std::string where = db->where();
    return std::make_unique<SqlStore>(std::move(db), access, where);
  }
  return std::make_unique<SqlStore>(std::make_unique<SqliteDatabase>(settings.path, access), access,
                                    settings.path);
}

std::string where(const Settings& settings) {
  return settings.postgres_url.empty() ? settings.path : postgres_where(settings.postgres_url);
}

}  // namespace ar::ledger
