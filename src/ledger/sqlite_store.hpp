#pragma once
// The ledger in one SQLite file, in WAL mode so that `auto-recorder report` reads while the
// service writes. The schema is created and migrated by the service (PRAGMA user_version); a
// file that is not a SQLite database, or whose schema is newer than this binary, is refused and
// never recreated.
#include <string>

#include "ledger/store.hpp"

struct sqlite3;

namespace ar::ledger {

class SqliteStore final : public Store {
 public:
  enum class Mode {
    kWrite,  // the service: creates the file and migrates the schema
    kRead,   // report and the API: the file must exist; read-only
  };

  // Throws StoreError naming `path` and the fix.
  SqliteStore(const std::string& path, Mode mode);
  ~SqliteStore() override;

  void apply(std::span<const Entry> entries) override;
  Page rooms(const Query& query) override;
  std::optional<Room> room(std::string_view sid) override;
  std::size_t prune(std::int64_t before_ms) override;

  // The schema version this binary writes.
  static int schema_version();

 private:
  void exec(const char* sql);
  int user_version();  // migrations applied
  void migrate();
  void load_recordings(Room& room);
  void refresh_status(const std::string& sid);

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace ar::ledger
