#pragma once
// The ledger's tables in a SQL database (ledger/database.hpp): SQLite for one replica,
// PostgreSQL for several. The schema is created and migrated by the service, once, also when
// several replicas start together; a schema newer than this binary is refused.
#include <functional>
#include <memory>
#include <string>

#include "ledger/database.hpp"
#include "ledger/outbox.hpp"
#include "ledger/sql_query.hpp"
#include "ledger/store.hpp"

namespace ar::ledger {

class SqlStore final : public Store, public Outbox {
 public:
  // `where` names the database in errors (a path, or host and database, never a password).
  // `clock`: when the ledger learns something (util::unix_ms_now; make bench's generated ledgers
  // pass the time they simulate). Throws StoreError.
  SqlStore(std::unique_ptr<Database> db, Access access, const std::string& where,
           std::function<std::int64_t()> clock = {});

  std::vector<Status> apply(std::span<const Entry> entries) override;
  Page rooms(const Query& query) override;
  Counts counts(const Query& window) override;
  std::optional<Session> room(std::string_view sid) override;
  Pruned prune(std::int64_t before_ms, std::size_t limit) override;
  Unsettled unsettled() override;
  bool needs_rebuild() override { return db_->needs_rebuild(); }
  void rebuild() override { db_->rebuild(); }
  void interrupt() noexcept override { db_->interrupt(); }
  bool finds_names_within() override { return db_->has_name_trigrams(); }
  std::string file_gone() override { return db_->file_gone(); }  // Store's and Outbox's

  // Outbox: the notifications of endpoints that want them (none: nothing is written).
  void subscribe(std::vector<Subscription> subscriptions) {
    subscriptions_ = std::move(subscriptions);
  }
  std::vector<Notification> claim(std::int64_t now_ms, std::int64_t lease_ms, std::size_t limit,
                                  std::string_view endpoint) override;
  void settle(std::span<const Outcome> outcomes) override;
  std::map<std::string, Backlog, std::less<>> backlog() override;
  std::size_t resend(std::int64_t since_ms, std::optional<model::SessionStatus> status,
                     std::string_view endpoint, std::int64_t now_ms) override;

  // The schema version this binary writes.
  static int schema_version();
  // Each statement stops with StoreTimeout after `limit` (the API's readers).
  void limit_statements(std::chrono::milliseconds limit) { db_->limit_statements(limit); }

 private:
  void migrate();
  void restatus();
  // A ledger a newer binary migrated: used when its ledger_compat says this binary still reads
  // and writes it; else refused, naming the release that wrote it.
  void refuse_newer(int version);
  // One session, with its recordings; its metadata only when asked (never on the write path).
  std::optional<Session> session(std::string_view sid, bool with_metadata);
  // Reads the rooms' recordings (a few queries for a page, not one per room) and their status.
  void load_recordings(std::span<Session> rooms);
  Result recording_rows(std::span<const Session> rooms);
  // The page's metadata as the query asks, a few rooms at a time, and its end at its byte budget.
  void fill(Page& page, const Query& query);
  // How the read finds its glob's names first, when it has one of which few are found.
  std::optional<Narrow> narrowing(const WindowRead& read);
  void load_metadata(std::span<Session> rooms, std::size_t cap);
  // Stores the session's status; its final status when it has just ended.
  std::optional<Status> refresh_status(const std::string& sid);
  // The notifications the session's write causes (ledger/sql_outbox.cpp).
  void write_outbox(const Session& loaded, bool session_ended);
  std::vector<Notification> notifications(std::string_view sid);

  std::unique_ptr<Database> db_;
  std::function<std::int64_t()> clock_;
  std::vector<Subscription> subscriptions_;
};

}  // namespace ar::ledger
