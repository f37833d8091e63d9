#pragma once
// One connection to the database behind the ledger, SQLite or PostgreSQL: SqlStore writes its SQL
// once, with $1..$n parameters, and each connection runs it in its own way.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ar::ledger {

using Param = std::variant<std::int64_t, std::string_view>;

enum class Access {
  kWrite,  // the service's writer: creates the schema and migrates it
  kUse,    // the notifier and `notify resend`: write a ledger the writer made; never create it
  kRead,   // report and the API: the ledger must exist; never written
};

// A row, each column as text (the ledger's columns are never NULL).
struct Row {
  std::vector<std::string> columns;

  const std::string& text(std::size_t i) const { return columns.at(i); }
  std::int64_t integer(std::size_t i) const {
    const std::string& t = columns.at(i);
    std::int64_t value = 0;
    std::from_chars(t.data(), t.data() + t.size(), value);
    return value;
  }
};

struct Result {
  std::vector<Row> rows;
  std::size_t changed = 0;  // rows inserted, updated or deleted
};

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  // One statement with parameters $1..$n (a statement may leave some out), its rows handed to
  // `row` one at a time as they are read (the same Row each time: copy what is kept), so that a
  // large answer is never held whole. Returns how many rows it inserted, updated or deleted.
  // Throws StoreError.
  virtual std::size_t each(std::string_view sql, std::span<const Param> params,
                           const std::function<void(const Row&)>& row) = 0;
  // The same, its rows kept.
  Result run(std::string_view sql, std::span<const Param> params) {
    Result result;
    result.changed = each(sql, params, [&result](const Row& row) { result.rows.push_back(row); });
    return result;
  }
  Result run(std::string_view sql, std::initializer_list<Param> params) {
    return run(sql, std::span<const Param>(params.begin(), params.size()));
  }
  // Statements without parameters, several at once (a migration).
  virtual void exec(const std::string& sql) = 0;

  // What the two databases spell differently (SqlStore writes the rest once):
  // a collation that compares text byte by byte, as a range over a name's prefix needs
  // (PostgreSQL's default collation orders text as a language does, where "ab-z" < "abc");
  virtual std::string_view bytewise() const = 0;
  // `text`'s length in bytes (SQLite's length() counts characters);
  virtual std::string byte_length(std::string_view text) const = 0;
  // `table` read through `index`: SQLite's planner, which has no statistics of how many rows a
  // filter keeps, is told (INDEXED BY); PostgreSQL's, which has, chooses itself. An empty `index`:
  // through none, the rows found by their rowid (a condition on it) or by a scan.
  virtual std::string through(std::string_view table, std::string_view index) const = 0;
  // Migration 5: an index of the rooms' names by their trigrams (three characters in a row), which
  // finds the names that contain a text. SQLite's FTS5 trigram tokenizer; PostgreSQL's pg_trgm,
  // when the ledger's role may create it (else none: such globs scan).
  virtual std::string name_trigrams() const = 0;
  // A condition on rooms (read through no index) that keeps the names the trigram index finds for
  // a glob: `like` as LIKE pattern, `glob` as SQLite's GLOB, both parameters. The names it keeps
  // contain the glob's every run of three or more literal characters; the glob is checked on
  // them besides.
  virtual std::string containing(std::string_view like, std::string_view glob) const = 0;
  // "table WHERE ...": a row for each name the index finds, for counting them (SQLite's subquery
  // of containing() is read whole before its first row; its index, counted, stops at a LIMIT).
  virtual std::string found_by_trigrams(std::string_view like, std::string_view glob) const = 0;
  // What a subquery that picks rows to update adds so that another connection's pick of the
  // same moment takes others: PostgreSQL's FOR UPDATE SKIP LOCKED; nothing for SQLite, whose one
  // writer at a time picks alone.
  virtual std::string_view skip_locked() const { return {}; }
  // Whether the trigram index exists (a PostgreSQL role may have been unable to create it).
  virtual bool has_name_trigrams() = 0;

  // A transaction that writes; concurrent writers wait for each other.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  // Inside begin(), after deletes: gives back to the file system part of the space they freed (a
  // bounded amount, so that the transaction stays short); true while freed space is left to give
  // back. SQLite's incremental vacuum; PostgreSQL's autovacuum does it by itself.
  virtual bool release_space() { return false; }

  // Outside any transaction, once, before the first write: a SQLite file made before the ledger
  // gave space back (auto_vacuum off) is rebuilt with it on, by a VACUUM that rewrites the whole
  // file (5 s for 544 MB on a fast disk; it needs free space of twice its size). A migration cannot
  // do it: they run in a transaction, and VACUUM cannot. Throws StoreError.
  virtual bool needs_rebuild() { return false; }
  virtual void rebuild() {}
  // From another thread (a stop): a rebuild under way gives up at once, and so does a later one.
  virtual void interrupt() noexcept {}
  // What became of the file this connection opened, when its path no longer names it: "was
  // deleted", "was replaced by another file"; empty while it does (and for PostgreSQL). A stat,
  // cheap enough before and after every write.
  virtual std::string file_gone() { return {}; }

  // Inside begin(): waits until no other process is migrating, then tells how many migrations
  // were applied (0 for an empty database).
  virtual int lock_schema_version() = 0;
  virtual void set_schema_version(int version) = 0;
  // Outside a transaction, for readers: the version, 0 when there is no ledger yet.
  virtual int schema_version() = 0;

  // Each statement from now on is stopped, with StoreTimeout, once it has run for `limit`: the
  // API's readers, so that one query never holds a reader (or a lock) for long.
  virtual void limit_statements(std::chrono::milliseconds limit) = 0;
};

}  // namespace ar::ledger
