#pragma once
// The ledger in one SQLite file, in WAL mode so that `auto-recorder report` reads while the
// service writes. A file that is not a SQLite database is refused, never recreated.
#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "ledger/database.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ar::ledger {

// The ledger holds room names, metadata and file locations: its owner's alone, whatever the
// umask. Makes `path` (created empty when missing) and its -wal and -shm files 0600, or keeps
// the owner's bits of a file that has fewer.
void make_private(const std::string& path);

// Removes the -wal and -shm files at `path`, once the file they belonged to was deleted or
// replaced and its connection closed: SQLite leaves them behind for a file that moved (it never
// deletes a log by a path that now names another file), and would play them into the new one.
void drop_write_ahead_log(const std::string& path);

class SqliteDatabase final : public Database {
 public:
  // kWrite creates the file; kUse and kRead need it (kRead never writes). Throws StoreError
  // naming `path` and the fix.
  SqliteDatabase(const std::string& path, Access access);
  ~SqliteDatabase() override;

  std::size_t each(std::string_view sql, std::span<const Param> params,
                   const std::function<void(const Row&)>& row) override;
  void exec(const std::string& sql) override;
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  bool release_space() override;
  bool needs_rebuild() override { return rebuild_due_; }
  void rebuild() override;
  void interrupt() noexcept override { interrupted_ = true; }
  std::string file_gone() override;
  int lock_schema_version() override;
  void set_schema_version(int version) override;
  int schema_version() override;
  void limit_statements(std::chrono::milliseconds limit) override;
  std::string_view bytewise() const override { return "BINARY"; }
  std::string byte_length(std::string_view text) const override {
    return "length(CAST(" + std::string(text) + " AS BLOB))";
  }
  std::string through(std::string_view table, std::string_view index) const override {
    return std::string(table) +
           (index.empty() ? " NOT INDEXED" : " INDEXED BY " + std::string(index));
  }
  std::string name_trigrams() const override;
  std::string containing(std::string_view like, std::string_view glob) const override {
    return "rowid IN (SELECT rowid FROM " + found_by_trigrams(like, glob) + ")";
  }
  std::string found_by_trigrams(std::string_view /*like*/, std::string_view glob) const override {
    return "rooms_names WHERE name GLOB " + std::string(glob);
  }
  bool has_name_trigrams() override {
    return run("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rooms_names'", {})
               .rows.at(0)
               .integer(0) > 0;
  }

 private:
  struct StatementDeleter {
    void operator()(sqlite3_stmt* stmt) const;
  };
  sqlite3_stmt* prepared(std::string_view sql);
  void close() noexcept;

  sqlite3* db_ = nullptr;
  std::chrono::milliseconds limit_{0};                // 0: none
  std::chrono::steady_clock::time_point deadline_{};  // of the statement running
  bool incremental_ = false;  // auto_vacuum=INCREMENTAL: freed pages can go back to the file system
  bool rebuild_due_ = false;  // written, and not incremental_ (a file made before it)
  std::atomic<bool> interrupted_{false};
  // The file opened, by path and identity (device, inode), for file_gone().
  std::string path_;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;
  std::map<std::string, std::unique_ptr<sqlite3_stmt, StatementDeleter>, std::less<>> statements_;
};

}  // namespace ar::ledger
