#pragma once
// Where the ledger keeps room sessions: written in batches by the ledger's thread, read by the
// report and the API. Its tables are in ledger/sql_store.hpp, on SQLite or PostgreSQL.
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/entry.hpp"
#include "ledger/model.hpp"
#include "ledger/unsettled.hpp"

namespace ar::ledger {

// The store cannot be opened, read or written. The message names the file (or server) and, where
// there is one, the fix; never a password.
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A database server that did not answer (refused, timed out, not found by name, starting up or
// shutting down): an outage that ends, as opposed to one that answered no (a wrong password, an
// unknown database or role, a pg_hba.conf rule), which no wait fixes.
struct StoreUnreachable : StoreError {
  using StoreError::StoreError;
};

// A statement ran past its connection's time limit (Database::limit_statements) and was stopped.
struct StoreTimeout : StoreError {
  using StoreError::StoreError;
};

// Where a page begins: after this session, the last of the page before (newest first).
struct PageAfter {
  std::int64_t started_ms = 0;
  std::string sid;
};

// A window [since_ms, until_ms) holds the sessions that started, finished or changed status in
// it, or had a recording start or end in it (docs/ledger.md).
struct Query {
  std::int64_t since_ms = 0;
  std::int64_t until_ms = std::numeric_limits<std::int64_t>::max();
  std::optional<Status> status;
  std::string name_glob;  // "class-*"; empty: any name
  std::size_t limit = 100;
  std::optional<PageAfter> after;  // the previous page's next; none: the first page
  // How much of each room's metadata is read: none (lists leave it out unless asked), its first
  // metadata_cap bytes (whole characters; Session::metadata_bytes tells its length), or all.
  std::size_t metadata_cap = 0;
  static constexpr std::size_t kWholeMetadata = std::numeric_limits<std::size_t>::max();
  // A page ends early, with its `next`, once the text of its rooms (names, metadata, errors,
  // files' locations) passes this many bytes; it holds at least one room.
  std::size_t max_bytes = std::size_t{4} << 20;
};

struct Page {
  std::vector<Session> rooms;     // newest first
  std::optional<PageAfter> next;  // none on the last page
};

// How many sessions have each status; a status none has is absent.
using Counts = std::map<Status, std::size_t>;

// One step of retention (Store::prune).
struct Pruned {
  std::size_t sessions = 0;  // deleted by this step
  bool done = false;         // none older is left, and the space they held was given back
};

class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  // Applies the entries in one transaction: all or, on StoreError, none. Returns the final status
  // of each session that ended with them: finished, and no recording active any more. Each
  // session ends once, whichever replica writes it.
  virtual std::vector<Status> apply(std::span<const Entry> entries) = 0;
  virtual Page rooms(const Query& query) = 0;
  // The sessions of each status in the window, with the query's name (its status, limit and page
  // left aside).
  virtual Counts counts(const Query& window) = 0;
  virtual std::optional<Session> room(std::string_view sid) = 0;
  // One step of forgetting the sessions that started before `before_ms`: the oldest `limit` of
  // them with their recordings, in one transaction, and part of the space they held given back to
  // the file system. Called again until done, so that a write waits for one step at most (a run of
  // 489 000 sessions in one transaction once held the writer for 16 s).
  virtual Pruned prune(std::int64_t before_ms, std::size_t limit) = 0;
  // The sessions that have not ended, with their recordings.
  virtual Unsettled unsettled() = 0;

  // The store's work of its own, once, before the first write, that can take minutes (an older
  // SQLite file rebuilt so that pruning gives space back: Database::rebuild). Throws StoreError.
  virtual bool needs_rebuild() { return false; }
  virtual void rebuild() {}
  // From another thread (a stop): a rebuild under way gives up at once.
  virtual void interrupt() noexcept {}
  // Database::file_gone: what became of the file the store writes, when its path no longer names
  // it (deleted, replaced); empty while it does. The writer then opens the path anew.
  virtual std::string file_gone() { return {}; }
  // Whether a name glob without a literal prefix ("*-42") finds its names through an index, or
  // must read the window (PostgreSQL, when the ledger's role could not create pg_trgm).
  virtual bool finds_names_within() { return true; }
};

}  // namespace ar::ledger
