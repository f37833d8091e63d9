#include "ledger/sqlite_store.hpp"

#include <sqlite3.h>

#include <array>
#include <boost/json.hpp>
#include <charconv>

#include "ledger/sqlite_statement.hpp"

namespace ar::ledger {
namespace {

using sqlite::Statement;

namespace json = boost::json;

// Each migration runs once, in order, in one transaction; user_version counts those applied.
constexpr std::array<const char*, 1> kMigrations{
    R"sql(
CREATE TABLE rooms (
  sid TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  started_ms INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  learned_from TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL DEFAULT '',
  rule TEXT NOT NULL DEFAULT '',
  start_error TEXT NOT NULL DEFAULT '',
  retries INTEGER NOT NULL DEFAULT 0,
  restarts INTEGER NOT NULL DEFAULT 0,
  first_recording_ms INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'unrecorded'
);
CREATE INDEX rooms_by_start ON rooms (started_ms DESC, sid DESC);
CREATE TABLE recordings (
  egress_id TEXT PRIMARY KEY,
  room_sid TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'EGRESS_STARTING',
  started_ms INTEGER NOT NULL DEFAULT 0,
  ended_ms INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  files TEXT NOT NULL DEFAULT '[]',
  playlist_location TEXT NOT NULL DEFAULT '',
  segment_count INTEGER NOT NULL DEFAULT 0,
  image_count INTEGER NOT NULL DEFAULT 0,
  manifest_location TEXT NOT NULL DEFAULT '',
  stopped_on_purpose INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX recordings_by_room ON recordings (room_sid);
)sql"};

constexpr const char* kRoomColumns =
    "sid, name, started_ms, finished_ms, learned_from, decision, rule, start_error, retries, "
    "restarts, first_recording_ms";

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

Room room_from(const Statement& row) {
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
  return room;
}

// "<started_ms>:<sid>" of the last row of a page.
std::string token_of(const Room& room) {
  return std::to_string(room.started_ms) + ":" + room.sid;
}

}  // namespace

int SqliteStore::schema_version() {
  return static_cast<int>(kMigrations.size());
}

SqliteStore::SqliteStore(const std::string& path, Mode mode) : path_(path) {
  const int flags =
      mode == Mode::kWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(path + ": " + why +
                     (mode == Mode::kWrite
                          ? ": the directory must exist and be writable by the service's user"
                          : ": is ledger.path (LEDGER_PATH) the service's ledger file?"));
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    const int version = user_version();
    if (version > schema_version()) {
      throw StoreError("schema version " + std::to_string(version) + " is newer than this " +
                       "binary's (" + std::to_string(schema_version()) +
                       "): run the newer auto-recorder, or another ledger.path");
    }
    if (mode == Mode::kWrite && sqlite3_db_readonly(db_, "main") == 1) {
      throw StoreError(
          "cannot be written: the file and its directory must be writable by the "
          "service's user");
    }
    if (mode == Mode::kWrite) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");
      migrate();
    } else if (version == 0) {
      throw StoreError("holds no ledger yet: the service creates it when it starts");
    }
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    // "file is not a database": a corrupt or foreign file is reported, never recreated.
    throw StoreError(path + ": " + e.what());
  }
}

SqliteStore::~SqliteStore() {
  sqlite3_close(db_);
}

int SqliteStore::user_version() {
  Statement ask(db_, "PRAGMA user_version");
  return ask.step() ? static_cast<int>(ask.integer(0)) : 0;
}

void SqliteStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StoreError(why);
  }
}

// Under BEGIN IMMEDIATE: two processes starting together migrate one after the other, and the
// second finds the work done.
void SqliteStore::migrate() {
  exec("BEGIN IMMEDIATE");
  try {
    const int version = user_version();
    for (auto i = static_cast<std::size_t>(version); i < kMigrations.size(); ++i) {
      exec(kMigrations.at(i));
    }
    exec(("PRAGMA user_version=" + std::to_string(kMigrations.size())).c_str());
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SqliteStore::refresh_status(const std::string& sid) {
  auto loaded = room(sid);
  if (!loaded) return;
  Statement(db_, "UPDATE rooms SET status = ?2 WHERE sid = ?1")
      .bind(1, sid)
      .bind(2, to_string(status_of(*loaded)))
      .run();
}

void SqliteStore::load_recordings(Room& room) {
  Statement rows(db_,
                 "SELECT egress_id, status, started_ms, ended_ms, error, files, "
                 "playlist_location, segment_count, image_count, manifest_location, "
                 "stopped_on_purpose FROM recordings WHERE room_sid = ?1 "
                 "ORDER BY started_ms, egress_id");
  rows.bind(1, room.sid);
  while (rows.step()) {
    Recording r;
    r.egress_id = rows.text(0);
    r.status = rows.text(1);
    r.started_ms = rows.integer(2);
    r.ended_ms = rows.integer(3);
    r.error = rows.text(4);
    r.files = files_from(rows.text(5));
    r.playlist_location = rows.text(6);
    r.segment_count = rows.integer(7);
    r.image_count = rows.integer(8);
    r.manifest_location = rows.text(9);
    r.stopped_on_purpose = rows.integer(10) != 0;
    room.recordings.push_back(std::move(r));
  }
  room.status = status_of(room);
}

std::optional<Room> SqliteStore::room(std::string_view sid) {
  Statement row(db_, std::string("SELECT ") + kRoomColumns + " FROM rooms WHERE sid = ?1");
  row.bind(1, sid);
  if (!row.step()) return std::nullopt;
  Room room = room_from(row);
  load_recordings(room);
  return room;
}

Page SqliteStore::rooms(const Query& query) {
  std::int64_t after_ms = std::numeric_limits<std::int64_t>::max();
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
                    " FROM rooms WHERE started_ms >= ?1 AND started_ms < ?2 AND "
                    "(started_ms < ?3 OR (started_ms = ?3 AND sid < ?4))";
  if (query.status) sql += " AND status = ?5";
  if (!query.name_glob.empty()) sql += " AND name GLOB ?6";
  sql += " ORDER BY started_ms DESC, sid DESC LIMIT ?7";
  Statement rows(db_, sql);
  rows.bind(1, query.since_ms).bind(2, query.until_ms).bind(3, after_ms);
  rows.bind(4, query.page_token.empty() ? std::string_view("\x7f") : std::string_view(after_sid));
  if (query.status) rows.bind(5, to_string(*query.status));
  if (!query.name_glob.empty()) rows.bind(6, query.name_glob);
  rows.bind(7, static_cast<std::int64_t>(query.limit + 1));
  Page page;
  while (rows.step()) page.rooms.push_back(room_from(rows));
  if (page.rooms.size() > query.limit) {
    page.rooms.pop_back();
    page.next_page_token = token_of(page.rooms.back());
  }
  for (Room& room : page.rooms) load_recordings(room);
  return page;
}

std::size_t SqliteStore::prune(std::int64_t before_ms) {
  exec("BEGIN IMMEDIATE");
  try {
    Statement(db_,
              "DELETE FROM recordings WHERE room_sid IN "
              "(SELECT sid FROM rooms WHERE started_ms < ?1)")
        .bind(1, before_ms)
        .run();
    Statement(db_, "DELETE FROM rooms WHERE started_ms < ?1").bind(1, before_ms).run();
    const auto deleted = static_cast<std::size_t>(sqlite3_changes(db_));
    exec("COMMIT");
    return deleted;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace ar::ledger
