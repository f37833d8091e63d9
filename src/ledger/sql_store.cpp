#include "ledger/sql_store.hpp"

#include <algorithm>
#include <array>

#include "ledger/migrations.hpp"
#include "ledger/sql_transaction.hpp"
#include "ledger/subject_json.hpp"
#include "util/wall_clock.hpp"

namespace ar::ledger {
namespace {

// The latest time anything of the session happened, as far as its row and recordings say.
std::int64_t last_event_ms(const Session& room) {
  std::int64_t last = std::max(room.started_ms, room.finished_ms);
  for (const Recording& r : room.recordings) last = std::max({last, r.started_ms, r.ended_ms});
  return last;
}

bool has_composite(const Session& room) {
  return std::any_of(room.recordings.begin(), room.recordings.end(), [](const Recording& r) {
    return r.kind == model::RecordingKind::kRoomComposite;
  });
}

}  // namespace

int SqlStore::schema_version() {
  return migration_count();
}

SqlStore::SqlStore(std::unique_ptr<Database> db, Access access, const std::string& where,
                   std::function<std::int64_t()> clock)
    : db_(std::move(db)), clock_(clock ? std::move(clock) : util::unix_ms_now) {
  try {
    if (access == Access::kWrite) {
      migrate();  // refuses a newer schema under the migration lock
    } else {
      const int version = db_->schema_version();
      refuse_newer(version);
      if (version == 0)
        throw StoreError("holds no ledger yet: the service creates it when it starts");
    }
  } catch (const StoreError& e) {
    throw StoreError(where + ": " + e.what());
  }
}

void SqlStore::refuse_newer(int version) {
  if (version <= schema_version()) return;
  std::string written_by = "a newer auto-recorder";
  if (version >= kCompatSince) {
    std::int64_t readable = version;
    db_->each("SELECT readable_by, written_by FROM ledger_compat", {}, [&](const Row& row) {
      readable = row.integer(0);
      written_by = "auto-recorder " + row.text(1);
    });
    if (readable <= schema_version()) return;  // only added what this binary never touches
  }
  throw StoreError("schema version " + std::to_string(version) + " (written by " + written_by +
                   ") is newer than this binary's (" + std::to_string(schema_version()) +
                   ") and changed what it relies on: run " + written_by +
                   " or later, or restore the backup taken before the upgrade (docs/ledger.md, "
                   "\"Backup and restore\")");
}

// Two replicas starting together migrate one after the other; the second finds the work done.
void SqlStore::migrate() {
  in_transaction(*db_, [&] {
    const int version = db_->lock_schema_version();
    refuse_newer(version);
    if (version >= schema_version()) return;  // this binary's, or a newer one it may use
    for (int i = version; i < migration_count(); ++i) db_->exec(migration(i, *db_));
    if (version < 4) restatus();  // migration 4's part in code
    db_->set_schema_version(schema_version());
    db_->exec("DELETE FROM ledger_compat");
    db_->run(
        "INSERT INTO ledger_compat (readable_by, written_by) VALUES ($1, $2)",
        {std::int64_t{readable_by(schema_version())}, std::string_view(AUTO_RECORDER_VERSION)});
  });
}

std::optional<Status> SqlStore::refresh_status(const std::string& sid) {
  const auto loaded = session(sid, false);
  if (!loaded) return std::nullopt;
  const std::int64_t now = clock_();
  // The status, when it last changed, the latest thing that happened to it, and no start error
  // once a composite exists (the start error is the composite's: a participant's is in missing).
  db_->run(
      "UPDATE rooms SET status = $2, changed_ms = CASE WHEN status <> $2 THEN $3 "
      "ELSE changed_ms END, last_event_ms = CASE WHEN status <> $2 AND $3 > $5 THEN $3 "
      "WHEN $5 > last_event_ms THEN $5 ELSE last_event_ms END, "
      "start_error = CASE WHEN $4 = 1 THEN '' ELSE start_error END WHERE sid = $1",
      {sid, to_string(loaded->status), now, std::int64_t{has_composite(*loaded) ? 1 : 0},
       last_event_ms(*loaded)});
  // The row is locked until commit: of replicas writing the same session, one flips it.
  const bool ended_now =
      ended(*loaded) &&
      db_->run(
             "UPDATE rooms SET ended = 1, changed_ms = $2, last_event_ms = CASE WHEN $2 > "
             "last_event_ms THEN $2 ELSE last_event_ms END WHERE sid = $1 AND ended = 0",
             {sid, now})
              .changed == 1;
  write_outbox(*loaded, ended_now);
  return ended_now ? std::optional(loaded->status) : std::nullopt;
}

// Read row by row into an answer of the right size: at 30 000 open sessions, keeping every row
// first, or growing the vectors by doubling, cost more memory than the answer itself.
Unsettled SqlStore::unsettled() {
  Unsettled out;
  constexpr const char* kOpen = "FROM rooms WHERE ended = 0";
  constexpr const char* kOfOpen =
      "FROM recordings r JOIN rooms s ON s.sid = r.room_sid WHERE s.ended = 0";
  out.sessions.reserve(static_cast<std::size_t>(
      db_->run(std::string("SELECT COUNT(*) ") + kOpen, {}).rows.at(0).integer(0)));
  out.recordings.reserve(static_cast<std::size_t>(
      db_->run(std::string("SELECT COUNT(*) ") + kOfOpen, {}).rows.at(0).integer(0)));
  db_->each(std::string("SELECT sid, started_ms, finished_ms ") + kOpen, {},
            [&out](const Row& row) {
              out.sessions.push_back({row.text(0), row.integer(1), row.integer(2)});
            });
  db_->each(
      std::string("SELECT r.egress_id, r.room_sid, r.status, r.started_ms, r.ended_ms, "
                  "r.closed_by ") +
          kOfOpen,
      {}, [&out](const Row& row) {
        out.recordings.push_back({row.text(0), row.text(1), model::egress_status_named(row.text(2)),
                                  row.integer(3), row.integer(4), !row.text(5).empty()});
      });
  return out;
}

// Migration 4, in code: each session's stored status as today's status_of computes it, which is
// what reads have always shown; a session last written by an older version kept the status of
// that version's rules, and a filter by status reads the stored one. Its changed_ms stays: what
// the ledger shows did not change.
void SqlStore::restatus() {
  std::string after;
  for (;;) {
    std::vector<Session> rooms;
    std::vector<std::string> stored;
    const std::array<Param, 1> params{after};
    db_->each(
        "SELECT sid, decision, finished_ms, status, asked, missing FROM rooms WHERE sid > $1 "
        "ORDER BY sid LIMIT 1000",
        params, [&](const Row& row) {
          Session& room = rooms.emplace_back();
          room.sid = row.text(0);
          room.decision = row.text(1);
          room.finished_ms = row.integer(2);
          stored.push_back(row.text(3));
          room.asked = row.text(4);
          room.missing = missing_from_text(row.text(5));
        });
    if (rooms.empty()) return;
    load_recordings(rooms);
    for (std::size_t i = 0; i < rooms.size(); ++i) {
      const std::string_view status = to_string(rooms[i].status);
      if (status != stored[i]) {
        db_->run("UPDATE rooms SET status = $2 WHERE sid = $1", {rooms[i].sid, status});
      }
    }
    after = rooms.back().sid;
  }
}

// The oldest sessions first, read from rooms_by_start (started_ms, sid): the same `limit` of them
// for each statement, in sid order among those of one millisecond, without a scan of the table.
Pruned SqlStore::prune(std::int64_t before_ms, std::size_t limit) {
  constexpr const char* kOldest =
      " IN (SELECT sid FROM rooms WHERE started_ms < $1 ORDER BY started_ms, sid LIMIT $2)";
  Pruned step;
  bool space_left = false;
  const auto n = static_cast<std::int64_t>(limit);
  in_transaction(*db_, [&] {
    for (const char* table : {"recordings", "start_retries", "notifications"}) {
      db_->run(std::string("DELETE FROM ") + table + " WHERE room_sid" + kOldest, {before_ms, n});
    }
    step.sessions =
        db_->run(std::string("DELETE FROM rooms WHERE sid") + kOldest, {before_ms, n}).changed;
    space_left = db_->release_space();
  });
  step.done = step.sessions < limit && !space_left;
  return step;
}

}  // namespace ar::ledger
