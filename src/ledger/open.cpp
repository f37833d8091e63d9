#include "ledger/open.hpp"

#include <filesystem>

#include "ledger/postgres_database.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sqlite_database.hpp"

namespace ar::ledger {

namespace {

std::unique_ptr<Database> open_database(const Settings& settings, Access access) {
  if (!settings.postgres_url.empty()) {
    return std::make_unique<PostgresDatabase>(settings.postgres_url, access);
  }
  return std::make_unique<SqliteDatabase>(settings.path, access);
}

}  // namespace

std::unique_ptr<Store> open_store(const Settings& settings, Access access,
                                  std::chrono::milliseconds statement_limit) {
  auto store = std::make_unique<SqlStore>(open_database(settings, access), access, where(settings));
  if (statement_limit.count() > 0) store->limit_statements(statement_limit);
  if (access == Access::kWrite) store->subscribe(settings.subscriptions);
  return store;
}

std::unique_ptr<Outbox> open_outbox(const Settings& settings) {
  return std::make_unique<SqlStore>(open_database(settings, Access::kUse), Access::kUse,
                                    where(settings));
}

std::string where(const Settings& settings) {
  return settings.postgres_url.empty() ? settings.path : postgres_where(settings.postgres_url);
}

SchemaReport describe_schema(const Settings& settings) {
  const std::string at = where(settings);
  const int own = SqlStore::schema_version();
  const std::string mine = std::to_string(own);
  if (std::error_code ec; settings.postgres_url.empty() && !std::filesystem::exists(at, ec)) {
    return {at + ": not made yet; the service creates it (schema " + mine + ") at its first start"};
  }
  try {
    auto db = open_database(settings, Access::kRead);
    const int version = db->schema_version();
    if (version == 0)
      return {at + ": holds no ledger yet; the service creates it at its first start"};
    const SqlStore store(std::move(db), Access::kRead, at);  // refuses what this binary cannot use
    std::string text = at + ": schema " + std::to_string(version);
    if (version == own) return {text + ", this binary's"};
    if (version < own) {
      return {text + ", migrated to " + mine +
              " at the next start: back it up first (auto-recorder "
              "ledger backup, or pg_dump)"};
    }
    return {text + ", newer than this binary's (" + mine + "), which still reads and writes it"};
  } catch (const StoreUnreachable& e) {
    return {std::string(e.what()) + " (the service starts anyway, and connects when it answers)"};
  } catch (const StoreError& e) {
    // The default file: the service starts with the ledger off, and says so.
    if (settings.postgres_url.empty() && !settings.path_set) {
      return {std::string(e.what()) + " (the service starts with the ledger off)"};
    }
    return {e.what(), false};
  }
}

}  // namespace ar::ledger
