#include "ledger/migrations.hpp"

#include <array>

namespace ar::ledger {
namespace {

// Each migration runs once, in order, in one transaction; both databases understand it. They are
// history, never edited: the status names they spell (EGRESS_COMPLETE, ...) are those of
// model/egress_status.hpp as they were then; statements that run today bind them from the table.
constexpr std::array<const char*, 10> kMigrations{
    R"sql(
CREATE TABLE rooms (
  sid TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  started_ms BIGINT NOT NULL DEFAULT 0,
  finished_ms BIGINT NOT NULL DEFAULT 0,
  learned_from TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL DEFAULT '',
  rule TEXT NOT NULL DEFAULT '',
  start_error TEXT NOT NULL DEFAULT '',
  retries BIGINT NOT NULL DEFAULT 0,
  restarts BIGINT NOT NULL DEFAULT 0,
  first_recording_ms BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'unrecorded'
);
CREATE INDEX rooms_by_start ON rooms (started_ms DESC, sid DESC);
CREATE TABLE recordings (
  egress_id TEXT PRIMARY KEY,
  room_sid TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'EGRESS_STARTING',
  started_ms BIGINT NOT NULL DEFAULT 0,
  ended_ms BIGINT NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  files TEXT NOT NULL DEFAULT '[]',
  playlist_location TEXT NOT NULL DEFAULT '',
  segment_count BIGINT NOT NULL DEFAULT 0,
  image_count BIGINT NOT NULL DEFAULT 0,
  manifest_location TEXT NOT NULL DEFAULT '',
  stopped_on_purpose BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX recordings_by_room ON recordings (room_sid);
)sql",
    // 2: whether the session ended (its final status counted in
    // auto_recorder_room_sessions_total); the room's metadata.
    R"sql(
ALTER TABLE rooms ADD COLUMN ended BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN metadata TEXT NOT NULL DEFAULT '';
)sql",
    // 3: the ledger converges to LiveKit without its webhooks (docs/ledger.md): ends it inferred
    // (closed_by), when a status last changed (a window holds sessions that changed in it),
    // entries applied twice counted once (restart, start_retries), whether LiveKit reported a
    // recording's end (is_final: a flag is read without building a table for an IN list on
    // every write), the open sessions the reconciler reads, and the latest thing that happened
    // to a session (last_event_ms), which a window's scan of rooms_by_start checks first.
    R"sql(
ALTER TABLE rooms ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN changed_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN restart BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN is_final BIGINT NOT NULL DEFAULT 0;
UPDATE recordings SET is_final = 1 WHERE status IN
  ('EGRESS_COMPLETE', 'EGRESS_FAILED', 'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED');
CREATE TABLE start_retries (
  key TEXT PRIMARY KEY,
  room_sid TEXT NOT NULL
);
CREATE INDEX start_retries_by_room ON start_retries (room_sid);
CREATE INDEX rooms_unsettled ON rooms (sid) WHERE ended = 0;
ALTER TABLE rooms ADD COLUMN last_event_ms BIGINT NOT NULL DEFAULT 0;
UPDATE rooms SET last_event_ms = CASE WHEN finished_ms > started_ms THEN finished_ms
  ELSE started_ms END;
UPDATE rooms SET last_event_ms = (SELECT MAX(CASE WHEN ended_ms > started_ms THEN ended_ms
  ELSE started_ms END) FROM recordings WHERE room_sid = rooms.sid)
  WHERE EXISTS (SELECT 1 FROM recordings WHERE room_sid = rooms.sid AND
  (ended_ms > rooms.last_event_ms OR started_ms > rooms.last_event_ms));
DROP INDEX rooms_by_start;
CREATE INDEX rooms_by_start ON rooms (started_ms, sid, last_event_ms);
)sql",
    // 4: every filter fast at a million sessions (docs/ledger.md, "Reads at a million
    // sessions"). A window's scan walks rooms_by_start, or rooms_by_status for one status, and
    // checks its filters in the index (no row is read to be left out); rooms_by_name finds a
    // name prefix's range, byte by byte (Database::bytewise); rooms_late holds the sessions of
    // which something happened more than a day after their start (SqlStore's reads spell the same
    // predicate, for the planners to match it). SqlStore then computes every session's status
    // again (SqlStore::restatus).
    R"sql(
DROP INDEX rooms_by_start;
CREATE INDEX rooms_by_start ON rooms (started_ms, sid, last_event_ms, name);
CREATE INDEX rooms_by_status ON rooms (status, started_ms, sid, last_event_ms, name);
CREATE INDEX rooms_by_name ON rooms (name COLLATE {bytewise});
CREATE INDEX rooms_late ON rooms (last_event_ms, started_ms)
  WHERE last_event_ms > started_ms + 86400000;
)sql",
    // 5: a name glob without a literal prefix ("*-42", "*nomatch*") finds its names by their
    // trigrams (Database::name_trigrams).
    "{name_trigrams}",
    // 6: what a rollback may run: the oldest schema whose binaries still read and write this
    // ledger (readable_by), and the release that migrated it (written_by). Older binaries read
    // this table by name: never rename or drop it, nor its columns.
    R"sql(
CREATE TABLE ledger_compat (
  readable_by BIGINT NOT NULL,
  written_by TEXT NOT NULL
);
)sql",
    // 7: what egress 1.14+ reports of a recording: how often it retried, and whether its files
    // went to egress's backup storage instead of the one the request named; and the older
    // recording a duplicate was stopped for.
    R"sql(
ALTER TABLE recordings ADD COLUMN retry_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN backup_storage_used BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';
)sql",
    // 8: recordings of participants and tracks beside the room's composite: what each records
    // (its kind, the participant's identity, the track), what the session's rule asked for
    // (recording kind names; '' in older rows: the composite alone), and the participants and
    // tracks whose recording did not start (a JSON array, rarely more than empty).
    R"sql(
ALTER TABLE recordings ADD COLUMN kind TEXT NOT NULL DEFAULT 'room_composite';
ALTER TABLE recordings ADD COLUMN participant TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN track_id TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN asked TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN missing TEXT NOT NULL DEFAULT '[]';
)sql",
    // 9: the outbox of notifications (ledger/outbox.hpp): one row per event and endpoint, with
    // its body and how its delivery goes; the pending ones found by when they are due; a
    // recording whose end was told (those that ended before are counted as told).
    R"sql(
CREATE TABLE notifications (
  event_id TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  type TEXT NOT NULL,
  room_sid TEXT NOT NULL,
  egress_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts BIGINT NOT NULL DEFAULT 0,
  next_ms BIGINT NOT NULL,
  delivered_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (event_id, endpoint)
);
CREATE INDEX notifications_due ON notifications (next_ms) WHERE state = 'pending';
CREATE INDEX notifications_by_room ON notifications (room_sid);
CREATE INDEX notifications_by_creation ON notifications (created_ms);
ALTER TABLE recordings ADD COLUMN notified BIGINT NOT NULL DEFAULT 0;
UPDATE recordings SET notified = 1 WHERE is_final = 1 OR closed_by <> '';
)sql",
    // 10: since when a notification waits (its creation, or the last `notify resend`), from
    // which its give-up and the oldest-pending gauge count.
    R"sql(
ALTER TABLE notifications ADD COLUMN due_since_ms BIGINT NOT NULL DEFAULT 0;
UPDATE notifications SET due_since_ms = created_ms;
)sql"};

// After migration i + 1, the oldest schema whose binaries still read and write the ledger. A
// migration that only adds what older binaries' writes keep right (an index, or a table or column
// that triggers or defaults keep) leaves it; anything else raises it to itself: a table or column
// the newer code fills would be left behind by an older binary's writes. 4 adds indexes and
// computes statuses again, counted as a change; 5 (a trigram index kept by triggers) and 6 (a
// table only migrations write) only add; so does 7 (columns whose defaults are what an older
// binary knows of them: its rows read "not retried, no backup, no duplicate"). 8 raises it: an
// older binary would take a participant's recording for the room's and compute the status wrong.
// 9 only adds (the outbox and a flag an older binary leaves at 0): while an older binary writes,
// sessions ending get no notification (docs/notifications.md); 10 only adds a column whose
// default an older binary's writes leave right enough (its rows wait from the epoch: given up).
constexpr std::array<int, kMigrations.size()> kReadableBy{1, 2, 3, 4, 4, 4, 4, 8, 8, 8};
// Never lower than the one before (what a migration changed stays changed), never above its own.
constexpr bool carried_forward() {
  for (std::size_t i = 0; i < kReadableBy.size(); ++i) {
    if (kReadableBy.at(i) > static_cast<int>(i) + 1) return false;
    if (i > 0 && kReadableBy.at(i) < kReadableBy.at(i - 1)) return false;
  }
  return true;
}
static_assert(carried_forward(), "kReadableBy: each at most its own version, never decreasing");

}  // namespace

int migration_count() {
  return static_cast<int>(kMigrations.size());
}

int readable_by(int version) {
  return kReadableBy.at(static_cast<std::size_t>(version - 1));
}

std::string migration(int i, const Database& db) {
  std::string sql = kMigrations.at(static_cast<std::size_t>(i));
  if (sql == "{name_trigrams}") return db.name_trigrams();
  constexpr std::string_view kBytewise = "{bytewise}";
  for (auto at = sql.find(kBytewise); at != std::string::npos; at = sql.find(kBytewise, at)) {
    sql.replace(at, kBytewise.size(), db.bytewise());
  }
  return sql;
}

}  // namespace ar::ledger
