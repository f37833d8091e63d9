#include "ledger/sql_store.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>

#include "ledger/sql_transaction.hpp"

namespace ar::ledger {
namespace {

namespace json = boost::json;

// Each migration runs once, in order, in one transaction; both databases understand it.
constexpr std::array<const char*, 2> kMigrations{
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
)sql"};

constexpr const char* kRoomColumns =
    "sid, name, started_ms, finished_ms, learned_from, decision, rule, start_error, retries, "
    "restarts, first_recording_ms, metadata";

std::vector<File> files_from(const std::string& text) {
  std::vector<File> out;
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  if (ec || !value.is_array()) return out;
  for (const json::value& item : value.get_array()) {
    const json::object* o = item.if_object();
    if (o == nullptr) continue;
    File f;
    if (const auto* v = o->if_contains("filename"); v && v->is_string())
      f.filename = v->get_string();
    if (const auto* v = o->if_contains("location"); v && v->is_string())
      f.location = v->get_string();
    if (const auto* v = o->if_contains("size"); v && v->is_int64()) f.size = v->get_int64();
    if (const auto* v = o->if_contains("duration_seconds"); v && v->is_number()) {
      f.duration_seconds = v->to_number<double>();
    }
    out.push_back(std::move(f));
  }
  return out;
}

Room room_from(const Row& row) {
  Room room;
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
  return room;
}

// "<started_ms>:<sid>" of the last row of a page.
std::string token_of(const Room& room) {
  return std::to_string(room.started_ms) + ":" + room.sid;
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
  return static_cast<int>(kMigrations.size());
}

SqlStore::SqlStore(std::unique_ptr<Database> db, Access access, const std::string& where)
    : db_(std::move(db)) {
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
    for (auto i = static_cast<std::size_t>(version); i < kMigrations.size(); ++i) {
      db_->exec(kMigrations.at(i));
    }
    db_->set_schema_version(schema_version());
  });
}

std::optional<Status> SqlStore::refresh_status(const std::string& sid) {
  const auto loaded = room(sid);
  if (!loaded) return std::nullopt;
  db_->run("UPDATE rooms SET status = $2 WHERE sid = $1", {sid, to_string(loaded->status)});
  if (!ended(*loaded)) return std::nullopt;
  // The row is locked until commit: of replicas writing the same session, one flips it.
  const Result ended = db_->run("UPDATE rooms SET ended = 1 WHERE sid = $1 AND ended = 0", {sid});
  return ended.changed == 1 ? std::optional(loaded->status) : std::nullopt;
}

void SqlStore::load_recordings(Room& room) {
  const Result result = db_->run(
      "SELECT egress_id, status, started_ms, ended_ms, error, files, playlist_location, "
      "segment_count, image_count, manifest_location, stopped_on_purpose FROM recordings "
      "WHERE room_sid = $1 ORDER BY started_ms, egress_id",
      {room.sid});
  for (const Row& row : result.rows) {
    Recording r;
    r.egress_id = row.text(0);
    r.status = row.text(1);
    r.started_ms = row.integer(2);
    r.ended_ms = row.integer(3);
    r.error = row.text(4);
    r.files = files_from(row.text(5));
    r.playlist_location = row.text(6);
    r.segment_count = row.integer(7);
    r.image_count = row.integer(8);
    r.manifest_location = row.text(9);
    r.stopped_on_purpose = row.integer(10) != 0;
    room.recordings.push_back(std::move(r));
  }
  room.status = status_of(room);
}

std::optional<Room> SqlStore::room(std::string_view sid) {
  const Result result =
      db_->run(std::string("SELECT ") + kRoomColumns + " FROM rooms WHERE sid = $1", {sid});
  if (result.rows.empty()) return std::nullopt;
  Room room = room_from(result.rows.front());
  load_recordings(room);
  return room;
}

Page SqlStore::rooms(const Query& query) {
  std::int64_t after_ms = 0;
  std::string after_sid;
  if (!query.page_token.empty()) {
    const auto colon = query.page_token.find(':');
    const std::string_view ms = std::string_view(query.page_token).substr(0, colon);
    if (colon == std::string::npos || colon == 0 ||
        std::from_chars(ms.data(), ms.data() + ms.size(), after_ms).ptr != ms.data() + ms.size()) {
      throw std::invalid_argument("page_token is not one this service gave");
    }
    after_sid = query.page_token.substr(colon + 1);
  }
  std::string sql = std::string("SELECT ") + kRoomColumns +
                    " FROM rooms WHERE started_ms >= $1 AND started_ms < $2";
  if (!query.page_token.empty()) sql += " AND (started_ms < $3 OR (started_ms = $3 AND sid < $4))";
  if (query.status) sql += " AND status = $5";
  if (!query.name_glob.empty()) sql += " AND name LIKE $6 ESCAPE '\\'";
  sql += " ORDER BY started_ms DESC, sid DESC LIMIT $7";
  const std::string status = query.status ? std::string(to_string(*query.status)) : "";
  const std::string pattern = like_pattern(query.name_glob);
  const Result result = db_->run(sql, {query.since_ms, query.until_ms, after_ms, after_sid, status,
                                       pattern, static_cast<std::int64_t>(query.limit + 1)});
  Page page;
  for (const Row& row : result.rows) page.rooms.push_back(room_from(row));
  if (page.rooms.size() > query.limit) {
    page.rooms.pop_back();
    page.next_page_token = token_of(page.rooms.back());
  }
  for (Room& room : page.rooms) load_recordings(room);
  return page;
}

std::size_t SqlStore::prune(std::int64_t before_ms) {
  std::size_t deleted = 0;
  in_transaction(*db_, [&] {
    db_->run(
        "DELETE FROM recordings WHERE room_sid IN (SELECT sid FROM rooms WHERE started_ms < $1)",
        {before_ms});
    deleted = db_->run("DELETE FROM rooms WHERE started_ms < $1", {before_ms}).changed;
  });
  return deleted;
}

}  // namespace ar::ledger
