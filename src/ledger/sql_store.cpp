#include "ledger/sql_store.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <unordered_map>

#include "ledger/files_json.hpp"
#include "ledger/migrations.hpp"
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

// A session is in the window [$1, $8) if it started, finished or changed status in it, or had a
// recording start or end (complete, failed, restarted) in it. Newest first by start, rooms_by_start
// is read from $2 (the window's end, or the page's place) down; its last_event_ms leaves out at
// once a session of which nothing happened since $1, and only the others are looked at closely.
constexpr const char* kInWindow =
    "started_ms < $2 AND last_event_ms >= $1 AND (started_ms >= $1 "
    "OR (finished_ms >= $1 AND finished_ms < $8) OR (changed_ms >= $1 AND changed_ms < $8) "
    "OR EXISTS (SELECT 1 FROM recordings r WHERE r.room_sid = rooms.sid AND "
    "((r.started_ms >= $1 AND r.started_ms < $8) OR (r.ended_ms >= $1 AND r.ended_ms < $8))))";

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

// A name glob ("class-*", "?") as a LIKE pattern, with LIKE's own characters escaped.
std::string like_pattern(std::string_view glob) {
  std::string out;
  for (const char c : glob) {
    if (c == '*') {
      out += '%';
    } else if (c == '?') {
      out += '_';
    } else {
      if (c == '%' || c == '_' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
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
    for (int i = version; i < migration_count(); ++i) db_->exec(migration(i));
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

Page SqlStore::rooms(const Query& query) {
  std::string sql = std::string("SELECT ") + kRoomColumns + " FROM rooms WHERE " + kInWindow;
  // After the page's last row: $2 was lowered to its start + 1; of those that started in the same
  // millisecond, the sids before its sid.
  if (query.after) sql += " AND (started_ms < $3 OR sid < $4)";
  if (query.status) sql += " AND status = $5";
  if (!query.name_glob.empty()) sql += " AND name LIKE $6 ESCAPE '\\'";
  sql += " ORDER BY started_ms DESC, sid DESC LIMIT $7";
  const std::string status = query.status ? std::string(to_string(*query.status)) : "";
  const std::string pattern = like_pattern(query.name_glob);
  const std::int64_t after_ms = query.after ? query.after->started_ms : 0;
  const std::string_view after_sid = query.after ? std::string_view(query.after->sid) : "";
  const std::int64_t scan_below =
      query.after ? std::min(query.until_ms, after_ms + 1) : query.until_ms;
  const Result result =
      db_->run(sql, {query.since_ms, scan_below, after_ms, after_sid, status, pattern,
                     static_cast<std::int64_t>(query.limit + 1), query.until_ms});
  Page page;
  for (const Row& row : result.rows) page.rooms.push_back(room_from(row));
  if (page.rooms.size() > query.limit) {
    page.rooms.pop_back();
    page.next = PageAfter{page.rooms.back().started_ms, page.rooms.back().sid};
  }
  load_recordings(page.rooms);
  return page;
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
