#include "ledger/sqlite_database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>

#include "ledger/store.hpp"

namespace ar::ledger {
namespace {

// A prepared statement borrowed from the connection's cache: reset and unbound when done.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // $n is a named parameter to SQLite; one the statement does not use is left out.
  void bind(std::size_t n, const Param& param) {
    std::array<char, 24> name{'$'};
    std::to_chars(name.data() + 1, name.data() + name.size() - 1, n);
    const int index = sqlite3_bind_parameter_index(stmt_, name.data());
    if (index == 0) return;
    if (const auto* number = std::get_if<std::int64_t>(&param)) {
      sqlite3_bind_int64(stmt_, index, *number);
    } else {
      const auto text = std::get<std::string_view>(param);
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
  }
  // True while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_INTERRUPT) throw StoreTimeout("the statement ran past its time limit");
    throw StoreError(sqlite3_errmsg(db_));
  }
  // The current row into `out`, whose strings keep their capacity from row to row.
  void read(Row& out) const {
    const auto columns = static_cast<std::size_t>(sqlite3_column_count(stmt_));
    out.columns.resize(columns);
    for (std::size_t i = 0; i < columns; ++i) {
      const int at = static_cast<int>(i);
      const auto* data = sqlite3_column_text(stmt_, at);
      out.columns[i].assign(data == nullptr ? "" : reinterpret_cast<const char*>(data),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, at)));
    }
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

// SQLite gives the -wal and -shm files the database file's mode, so a new file is made 0600
// before SQLite opens it; an older file, and side files it left, lose the group's and others'
// bits. When the file cannot be made, SQLite's own open fails next and names why.
namespace {

// False for SQLite's names that are no file: a database in memory, a temporary one, a URI.
bool names_a_file(const std::string& path) {
  return !path.empty() && !path.starts_with(':') && !path.starts_with("file:");
}

}  // namespace

void drop_write_ahead_log(const std::string& path) {
  for (const char* side : {"-wal", "-shm"}) ::unlink((path + side).c_str());
}

void make_private(const std::string& path) {
  if (!names_a_file(path)) return;
  struct stat st {};
  // A write-ahead log without its database (rm ledger.db alone) belongs to no file: it would be
  // played into the new one.
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) drop_write_ahead_log(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;  // SQLite's open fails next, with the reason
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) ::fchmod(fd, st.st_mode & 0700);
  ::close(fd);
  for (const char* side : {"-wal", "-shm"}) {
    const std::string other = path + side;
    if (::stat(other.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      ::chmod(other.c_str(), st.st_mode & 0700);
    }
  }
}

SqliteDatabase::SqliteDatabase(const std::string& path, Access access) {
  const bool write = access != Access::kRead;
  const bool create = access == Access::kWrite;
  if (create) make_private(path);
  const int flags = !write   ? SQLITE_OPEN_READONLY
                    : create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                             : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(path + ": " + why +
                     (create ? ": the directory must exist and be writable by the service's user"
                             : ": is ledger.path (LEDGER_PATH) the service's ledger file?"));
  }
  sqlite3_busy_timeout(db_, 5000);
  path_ = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    device_ = st.st_dev;
    inode_ = st.st_ino;
  }
  try {
    // Reading the schema version reads the file's header: "file is not a database" is here.
    schema_version();
    if (write && sqlite3_db_readonly(db_, "main") == 1) {
      throw StoreError(
          "cannot be written: the file and its directory must be writable by the "
          "service's user");
    }
    if (write) {
      // Pages that retention frees are given back to the file system (release_space), not only
      // kept for reuse. Before the first table: a new file gets it; an older one keeps its mode.
      exec("PRAGMA auto_vacuum=INCREMENTAL");
      incremental_ = run("PRAGMA auto_vacuum", {}).rows.at(0).integer(0) == 2;
      rebuild_due_ = !incremental_;
      exec("PRAGMA journal_mode=WAL");
      // The WAL file is cut back to 16 MiB after a checkpoint: it keeps the size of the largest
      // transaction otherwise, and beside a large ledger that can be hundreds of MB.
      exec("PRAGMA journal_size_limit=16777216");
      exec("PRAGMA synchronous=NORMAL");
      // The writer's page cache: 512 KiB, not SQLite's 2 MiB. Its writes touch the newest pages
      // of a few indexes; the 30 000-room scale run kept 1.5 MB less with no slower writes.
      exec("PRAGMA cache_size=-512");
    }
    // Name globs become LIKE patterns (SqlStore): case-sensitive, as PostgreSQL's.
    exec("PRAGMA case_sensitive_like=ON");
  } catch (const StoreError& e) {
    close();
    throw StoreError(path + ": " + e.what());
  }
}

// SQLite keeps writing to a file deleted under it (its descriptor holds the inode) and to one moved
// away; both are lost at the next start, which opens the path.
std::string SqliteDatabase::file_gone() {
  if (!names_a_file(path_)) return {};  // nothing to lose
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    // Another error (a directory no longer searchable) does not say the file is gone.
    return errno == ENOENT ? "was deleted" : "";
  }
  if (st.st_dev != device_ || st.st_ino != inode_) return "was replaced by another file";
  return {};
}

SqliteDatabase::~SqliteDatabase() {
  close();
}

void SqliteDatabase::StatementDeleter::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

// Prepared once per connection: the ledger runs the same few statements for every entry, and
// parsing them again each time cost more than running them.
sqlite3_stmt* SqliteDatabase::prepared(std::string_view sql) {
  if (const auto found = statements_.find(sql); found != statements_.end()) {
    return found->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    throw StoreError(sqlite3_errmsg(db_));
  }
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

void SqliteDatabase::close() noexcept {
  statements_.clear();  // finalized first: sqlite3_close refuses a connection with statements
  sqlite3_close(db_);
  db_ = nullptr;
}

std::size_t SqliteDatabase::each(std::string_view sql, std::span<const Param> params,
                                 const std::function<void(const Row&)>& row) {
  Statement statement(db_, prepared(sql));
  deadline_ = std::chrono::steady_clock::now() + limit_;
  std::size_t n = 0;
  for (const Param& param : params) statement.bind(++n, param);
  Row current;
  while (statement.step()) {
    statement.read(current);
    row(current);
  }
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

void SqliteDatabase::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StoreError(why);
  }
}

// IMMEDIATE: the write lock is taken now, so two writers take turns instead of one failing.
void SqliteDatabase::begin() {
  exec("BEGIN IMMEDIATE");
}

void SqliteDatabase::commit() {
  exec("COMMIT");
}

void SqliteDatabase::rollback() noexcept {
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

// At most 2048 pages (8 MiB) a step: each page moved from the end of the file into a freed one is
// written, and a prune step should stay within about 100 ms.
bool SqliteDatabase::release_space() {
  if (!incremental_) return false;  // an older file: freed pages are only reused
  run("PRAGMA incremental_vacuum(2048)", {});
  return run("PRAGMA freelist_count", {}).rows.at(0).integer(0) > 0;
}

void SqliteDatabase::rebuild() {
  // After it: the handler of limit_statements again, or none.
  struct Restore {
    explicit Restore(SqliteDatabase& d) : db(d) {}
    Restore(const Restore&) = delete;
    Restore& operator=(const Restore&) = delete;
    ~Restore() { db.limit_statements(db.limit_); }
    SqliteDatabase& db;
  };
  {
    // Asked every 1000 of SQLite's instructions: a stop makes the VACUUM fail at once
    // ("interrupted"), the file as it was, instead of holding the stop until it is done.
    sqlite3_progress_handler(
        db_, 1000, [](void* flag) { return static_cast<std::atomic<bool>*>(flag)->load() ? 1 : 0; },
        &interrupted_);
    const Restore restore(*this);
    exec("PRAGMA auto_vacuum=INCREMENTAL");  // what the VACUUM gives the file
    exec("VACUUM");
  }
  // The WAL held a copy of the whole file: written into it now and cut, not kept at that size.
  exec("PRAGMA wal_checkpoint(TRUNCATE)");
  incremental_ = run("PRAGMA auto_vacuum", {}).rows.at(0).integer(0) == 2;
  rebuild_due_ = false;
}

int SqliteDatabase::lock_schema_version() {
  return schema_version();  // begin() holds the write lock already
}

void SqliteDatabase::set_schema_version(int version) {
  exec("PRAGMA user_version=" + std::to_string(version));
}

// SQLite calls the handler every few thousand instructions of a statement; a true answer stops
// the statement with SQLITE_INTERRUPT.
void SqliteDatabase::limit_statements(std::chrono::milliseconds limit) {
  limit_ = limit;
  constexpr int kInstructions = 10000;  // about 100 µs of work between looks at the clock
  sqlite3_progress_handler(
      db_, limit.count() > 0 ? kInstructions : 0,
      [](void* self) {
        return std::chrono::steady_clock::now() > static_cast<SqliteDatabase*>(self)->deadline_ ? 1
                                                                                                : 0;
      },
      this);
}

int SqliteDatabase::schema_version() {
  const Result result = run("PRAGMA user_version", {});
  return result.rows.empty() ? 0 : static_cast<int>(result.rows.front().integer(0));
}

// FTS5's trigram tokenizer, its rows those of rooms (external content, by rowid, which VACUUM
// keeps: rooms' rows are copied as they are), kept by triggers; GLOB, case kept, is what it finds.
// A name is written again only when it changes, and a deleted one is deleted with the name it had.
std::string SqliteDatabase::name_trigrams() const {
  return R"sql(
CREATE VIRTUAL TABLE rooms_names USING fts5(name, content='rooms', content_rowid='rowid',
  tokenize='trigram case_sensitive 1');
CREATE TRIGGER rooms_names_insert AFTER INSERT ON rooms BEGIN
  INSERT INTO rooms_names (rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER rooms_names_delete AFTER DELETE ON rooms BEGIN
  INSERT INTO rooms_names (rooms_names, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
CREATE TRIGGER rooms_names_update AFTER UPDATE OF name ON rooms WHEN old.name IS NOT new.name BEGIN
  INSERT INTO rooms_names (rooms_names, rowid, name) VALUES ('delete', old.rowid, old.name);
  INSERT INTO rooms_names (rowid, name) VALUES (new.rowid, new.name);
END;
INSERT INTO rooms_names (rooms_names) VALUES ('rebuild');
)sql";
}

}  // namespace ar::ledger
