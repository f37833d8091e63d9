#include "ledger/open.hpp"

#include "ledger/postgres_database.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sqlite_database.hpp"

namespace ar::ledger {

std::unique_ptr<Store> open_store(const Settings& settings, Access access,
                                  std::chrono::milliseconds statement_limit) {
  std::unique_ptr<Database> db;
  std::string where = settings.path;
  if (!settings.postgres_url.empty()) {
    auto postgres = std::make_unique<PostgresDatabase>(settings.postgres_url, access);
    where = postgres->where();
    db = std::move(postgres);
  } else {
    db = std::make_unique<SqliteDatabase>(settings.path, access);
  }
  auto store = std::make_unique<SqlStore>(std::move(db), access, where);
  if (statement_limit.count() > 0) store->limit_statements(statement_limit);
  return store;
}

std::string where(const Settings& settings) {
  return settings.postgres_url.empty() ? settings.path : postgres_where(settings.postgres_url);
}

}  // namespace ar::ledger
