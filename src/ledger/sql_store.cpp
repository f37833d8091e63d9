#include "ledger/sql_store.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <unordered_map>

#include "ledger/files_json.hpp"
#include "ledger/migrations.hpp"
#include "ledger/sql_query.hpp"
#include "ledger/sql_transaction.hpp"
#include "util/wall_clock.hpp"

namespace ar::ledger {
namespace {

namespace json = boost::json;

constexpr const char* kRoomColumns =
    "sid, name, started_ms, finished_ms, learned_from, decision, rule, start_error, retries, "
    "restarts, first_recording_ms, metadata, closed_by, changed_ms";

constexpr const char* kRecordingColumns =
    "room_sid, egress_id, status, started_ms, ended_ms, error, files, playlist_location, "
    "segment_count, image_count, manifest_location, stopped_on_purpose, restart, closed_by";

// Recordings are read for this many sessions at once.
constexpr std::size_t kRecordingsPerQuery = 50;

std::vector<File> files_from(const std::string& text) {
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  return ec ? std::vector<File>{} : files_from_json(value);
}

Session room_from(const Row& row) {
  Session room;
  room.sid = row.text(0);
  room.name = row.text(1);
  room.started_ms = row.integer(2);
  room.finished_ms = row.integer(3);
  room.learned_from = row.text(4);
  room.decision = row.text(5);
  room.rule = row.text(6);
  room.start_error = row.text(7);
  room.retries = row.integer(8);
  room.restarts = row.integer(9);
  room.first_recording_ms = row.integer(10);
  room.metadata = row.text(11);
  room.closed_by = row.text(12);
  room.changed_ms = row.integer(13);
  return room;
}

// A row of kRecordingColumns, after its room's sid.
Recording recording_from(const Row& row) {
  Recording r;
  r.egress_id = row.text(1);
  r.status = model::egress_status_named(row.text(2));
  r.started_ms = row.integer(3);
  r.ended_ms = row.integer(4);
  r.error = row.text(5);
  r.files = files_from(row.text(6));
  r.playlist_location = row.text(7);
  r.segment_count = row.integer(8);
  r.image_count = row.integer(9);
  r.manifest_location = row.text(10);
  r.stopped_on_purpose = row.integer(11) != 0;
  r.restart = row.integer(12) != 0;
  r.closed_by = row.text(13);
  return r;
}

// The latest time anything of the session happened, as far as its row and recordings say.
std::int64_t last_event_ms(const Session& room) {
  std::int64_t last = std::max(room.started_ms, room.finished_ms);
  for (const Recording& r : room.recordings) last = std::max({last, r.started_ms, r.ended_ms});
  return last;
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
  if (version > schema_version()) {
    throw StoreError("schema version " + std::to_string(version) +
                     " is newer than this binary's (" + std::to_string(schema_version()) +
                     "): run the newer auto-recorder");
  }
}

// Two replicas starting together migrate one after the other; the second finds the work done.
void SqlStore::migrate() {
  in_transaction(*db_, [&] {
    const int version = db_->lock_schema_version();
    refuse_newer(version);
    if (version == schema_version()) return;
    for (int i = version; i < migration_count(); ++i) db_->exec(migration(i, *db_));
    if (version < 4) restatus();  // migration 4's part in code
    db_->set_schema_version(schema_version());
  });
}

std::optional<Status> SqlStore::refresh_status(const std::string& sid) {
  const auto loaded = room(sid);
  if (!loaded) return std::nullopt;
  const std::int64_t now = clock_();
  // The status, when it last changed, the latest thing that happened to it, and no start error
  // once a recording exists.
  db_->run(
      "UPDATE rooms SET status = $2, changed_ms = CASE WHEN status <> $2 THEN $3 "
      "ELSE changed_ms END, last_event_ms = CASE WHEN status <> $2 AND $3 > $5 THEN $3 "
      "WHEN $5 > last_event_ms THEN $5 ELSE last_event_ms END, "
      "start_error = CASE WHEN $4 = 1 THEN '' ELSE start_error END WHERE sid = $1",
      {sid, to_string(loaded->status), now, std::int64_t{loaded->recordings.empty() ? 0 : 1},
       last_event_ms(*loaded)});
  if (!ended(*loaded)) return std::nullopt;
  // The row is locked until commit: of replicas writing the same session, one flips it.
  const Result ended = db_->run(
      "UPDATE rooms SET ended = 1, changed_ms = $2, last_event_ms = CASE WHEN $2 > "
      "last_event_ms THEN $2 ELSE last_event_ms END WHERE sid = $1 AND ended = 0",
      {sid, now});
  return ended.changed == 1 ? std::optional(loaded->status) : std::nullopt;
}

void SqlStore::load_recordings(std::span<Session> rooms) {
  for (std::size_t first = 0; first < rooms.size(); first += kRecordingsPerQuery) {
    const std::span<Session> part =
        rooms.subspan(first, std::min(kRecordingsPerQuery, rooms.size() - first));
    std::unordered_map<std::string_view, Session*> by_sid;
    for (Session& room : part) by_sid.emplace(room.sid, &room);
    for (const Row& row : recording_rows(part).rows) {
      if (const auto found = by_sid.find(row.text(0)); found != by_sid.end()) {
        found->second->recordings.push_back(recording_from(row));
      }
    }
  }
  for (Session& room : rooms) room.status = status_of(room);
}

// One room's (the write path reads one after each batch), or up to kRecordingsPerQuery rooms'
// in one statement, whose sids are padded with empty ones so that it is prepared once.
Result SqlStore::recording_rows(std::span<const Session> rooms) {
  const std::string columns = std::string("SELECT ") + kRecordingColumns + " FROM recordings ";
  if (rooms.size() == 1) {
    return db_->run(columns + "WHERE room_sid = $1 ORDER BY started_ms, egress_id",
                    {rooms.front().sid});
  }
  std::string sql = columns + "WHERE room_sid IN (";
  std::vector<Param> sids;
  for (std::size_t i = 0; i < kRecordingsPerQuery; ++i) {
    sql += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
    sids.emplace_back(i < rooms.size() ? std::string_view(rooms[i].sid) : std::string_view());
  }
  return db_->run(sql + ") ORDER BY started_ms, egress_id", sids);
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

std::optional<Session> SqlStore::room(std::string_view sid) {
  const Result result =
      db_->run(std::string("SELECT ") + kRoomColumns + " FROM rooms WHERE sid = $1", {sid});
  if (result.rows.empty()) return std::nullopt;
  Session room = room_from(result.rows.front());
  load_recordings({&room, 1});
  return room;
}

// The sessions that started in the window come first (newest first); those that started before
// it are read only while the page is not full.
Page SqlStore::rooms(const Query& query) {
  const WindowRead read(*db_, query);
  bool few_names = false;
  if (const auto count = read.name_count()) {
    few_names = db_->run(*count, read.params()).rows.at(0).integer(0) < WindowRead::kFewNames;
  }
  Page page;
  const auto add = [&page](const Row& row) { page.rooms.push_back(room_from(row)); };
  if (few_names) {
    db_->each(read.named(kRoomColumns), read.params(), add);
  } else {
    db_->each(read.started(kRoomColumns), read.params(), add);
    if (page.rooms.size() <= query.limit) db_->each(read.earlier(kRoomColumns), read.params(), add);
  }
  if (page.rooms.size() > query.limit) {
    page.rooms.resize(query.limit);
    page.next = PageAfter{page.rooms.back().started_ms, page.rooms.back().sid};
  }
  load_recordings(page.rooms);
  return page;
}

Counts SqlStore::counts(const Query& window) {
  Query whole = window;
  whole.status.reset();
  whole.after.reset();
  const WindowRead read(*db_, whole);
  Counts counts;
  db_->each(read.counts(), read.params(), [&counts](const Row& row) {
    if (const auto status = model::kSessionStatusNames.named(row.text(0))) {
      counts[*status] += static_cast<std::size_t>(row.integer(1));
    }
  });
  return counts;
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
        "SELECT sid, decision, finished_ms, status FROM rooms WHERE sid > $1 ORDER BY sid "
        "LIMIT 1000",
        params, [&](const Row& row) {
          Session& room = rooms.emplace_back();
          room.sid = row.text(0);
          room.decision = row.text(1);
          room.finished_ms = row.integer(2);
          stored.push_back(row.text(3));
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

std::size_t SqlStore::prune(std::int64_t before_ms) {
  std::size_t deleted = 0;
  in_transaction(*db_, [&] {
    for (const char* table : {"recordings", "start_retries"}) {
      db_->run(std::string("DELETE FROM ") + table +
                   " WHERE room_sid IN (SELECT sid FROM rooms WHERE started_ms < $1)",
               {before_ms});
    }
    deleted = db_->run("DELETE FROM rooms WHERE started_ms < $1", {before_ms}).changed;
  });
  return deleted;
}

}  // namespace ar::ledger
