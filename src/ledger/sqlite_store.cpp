#include "ledger/sqlite_store.hpp"

#include <sqlite3.h>

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <set>

namespace ar::ledger {
namespace {

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

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      throw StoreError(sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& bind(int index, double value) {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(sqlite3_errmsg(db_));
  }
  void run() {
    while (step()) {
    }
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    return data == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(data),
                             static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

bool final_status(std::string_view status) {
  return status == "EGRESS_COMPLETE" || status == "EGRESS_FAILED" || status == "EGRESS_ABORTED" ||
         status == "EGRESS_LIMIT_REACHED";
}

std::string files_json(const std::vector<File>& files) {
  json::array out;
  for (const File& f : files) {
    out.push_back(json::object{{"filename", f.filename},
                               {"location", f.location},
                               {"size", f.size},
                               {"duration_seconds", f.duration_seconds}});
  }
  return json::serialize(out);
}

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
    int version = 0;
    {
      Statement ask(db_, "PRAGMA user_version");
      if (ask.step()) version = static_cast<int>(ask.integer(0));
    }
    if (version > schema_version()) {
      throw StoreError("schema version " + std::to_string(version) + " is newer than this " +
                       "binary's (" + std::to_string(schema_version()) +
                       "): run the newer auto-recorder, or another ledger.path");
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
    int version = 0;
    {
      Statement ask(db_, "PRAGMA user_version");
      if (ask.step()) version = static_cast<int>(ask.integer(0));
    }
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

namespace {

void ensure_room(sqlite3* db, const std::string& sid, std::string_view name) {
  Statement(db,
            "INSERT INTO rooms (sid, name) VALUES (?1, ?2) ON CONFLICT (sid) DO UPDATE SET "
            "name = CASE WHEN rooms.name = '' THEN excluded.name ELSE rooms.name END")
      .bind(1, sid)
      .bind(2, name)
      .run();
}

// The sid every entry carries.
struct SidOf {
  template <typename T>
  const std::string& operator()(const T& entry) const {
    return entry.sid;
  }
};

}  // namespace

void SqliteStore::apply(std::span<const Entry> entries) {
  exec("BEGIN IMMEDIATE");
  try {
    std::set<std::string> touched;
    for (const Entry& entry : entries) {
      const std::string& sid = std::visit(SidOf{}, entry);
      if (sid.empty()) continue;
      touched.insert(sid);
      if (const auto* seen = std::get_if<RoomSeen>(&entry)) {
        Statement(db_,
                  "INSERT INTO rooms (sid, name, started_ms, learned_from) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (sid) DO UPDATE SET name = excluded.name, "
                  "started_ms = CASE WHEN rooms.started_ms = 0 THEN excluded.started_ms "
                  "ELSE rooms.started_ms END, "
                  "learned_from = CASE WHEN rooms.learned_from = '' THEN excluded.learned_from "
                  "ELSE rooms.learned_from END")
            .bind(1, sid)
            .bind(2, seen->name)
            .bind(3, seen->started_ms)
            .bind(4, seen->learned_from)
            .run();
      } else if (const auto* decided = std::get_if<Decided>(&entry)) {
        ensure_room(db_, sid, "");
        Statement(db_, "UPDATE rooms SET decision = ?2, rule = ?3 WHERE sid = ?1")
            .bind(1, sid)
            .bind(2, std::string_view(decided->record ? "record" : "skip"))
            .bind(3, decided->rule)
            .run();
      } else if (const auto* retried = std::get_if<StartRetried>(&entry)) {
        ensure_room(db_, sid, "");
        Statement(db_, "UPDATE rooms SET retries = retries + 1, start_error = ?2 WHERE sid = ?1")
            .bind(1, sid)
            .bind(2, retried->error)
            .run();
      } else if (const auto* failed = std::get_if<StartFailed>(&entry)) {
        ensure_room(db_, sid, "");
        Statement(db_, "UPDATE rooms SET start_error = ?2 WHERE sid = ?1")
            .bind(1, sid)
            .bind(2, failed->error)
            .run();
      } else if (const auto* started = std::get_if<RecordingStarted>(&entry)) {
        ensure_room(db_, sid, "");
        Statement(db_,
                  "INSERT INTO recordings (egress_id, room_sid, started_ms) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (egress_id) DO NOTHING")
            .bind(1, started->egress_id)
            .bind(2, sid)
            .bind(3, started->at_ms)
            .run();
        Statement(db_,
                  "UPDATE rooms SET start_error = '', restarts = restarts + ?3, "
                  "first_recording_ms = CASE WHEN first_recording_ms = 0 THEN ?2 "
                  "ELSE first_recording_ms END WHERE sid = ?1")
            .bind(1, sid)
            .bind(2, started->at_ms)
            .bind(3, std::int64_t{started->restart ? 1 : 0})
            .run();
      } else if (const auto* reported = std::get_if<EgressReported>(&entry)) {
        const Recording& r = reported->recording;
        ensure_room(db_, sid, reported->room_name);
        // Webhooks may arrive out of order: an ended recording does not become active again.
        Statement(db_,
                  "INSERT INTO recordings (egress_id, room_sid, status, started_ms, ended_ms, "
                  "error, files, playlist_location, segment_count, image_count, "
                  "manifest_location) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                  "ON CONFLICT (egress_id) DO UPDATE SET "
                  "status = CASE WHEN recordings.status IN ('EGRESS_COMPLETE', 'EGRESS_FAILED', "
                  "'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED') AND ?12 = 0 THEN recordings.status "
                  "ELSE excluded.status END, "
                  "started_ms = CASE WHEN excluded.started_ms > 0 THEN excluded.started_ms "
                  "ELSE recordings.started_ms END, "
                  "ended_ms = MAX(recordings.ended_ms, excluded.ended_ms), "
                  "error = CASE WHEN excluded.error != '' THEN excluded.error "
                  "ELSE recordings.error END, "
                  "files = CASE WHEN excluded.files != '[]' THEN excluded.files "
                  "ELSE recordings.files END, "
                  "playlist_location = MAX(recordings.playlist_location, "
                  "excluded.playlist_location), "
                  "segment_count = MAX(recordings.segment_count, excluded.segment_count), "
                  "image_count = MAX(recordings.image_count, excluded.image_count), "
                  "manifest_location = MAX(recordings.manifest_location, "
                  "excluded.manifest_location)")
            .bind(1, r.egress_id)
            .bind(2, sid)
            .bind(3, r.status)
            .bind(4, r.started_ms)
            .bind(5, r.ended_ms)
            .bind(6, r.error)
            .bind(7, files_json(r.files))
            .bind(8, r.playlist_location)
            .bind(9, r.segment_count)
            .bind(10, r.image_count)
            .bind(11, r.manifest_location)
            .bind(12, std::int64_t{final_status(r.status) ? 1 : 0})
            .run();
        if (r.started_ms > 0) {
          Statement(db_,
                    "UPDATE rooms SET first_recording_ms = ?2 WHERE sid = ?1 AND "
                    "(first_recording_ms = 0 OR first_recording_ms > ?2)")
              .bind(1, sid)
              .bind(2, r.started_ms)
              .run();
        }
      } else if (const auto* stopped = std::get_if<StoppedOnPurpose>(&entry)) {
        Statement(db_, "UPDATE recordings SET stopped_on_purpose = 1 WHERE egress_id = ?1")
            .bind(1, stopped->egress_id)
            .run();
      } else if (const auto* finished = std::get_if<RoomFinished>(&entry)) {
        ensure_room(db_, sid, finished->name);
        Statement(db_, "UPDATE rooms SET started_ms = ?2 WHERE sid = ?1 AND started_ms = 0")
            .bind(1, sid)
            .bind(2, finished->started_ms > 0 ? finished->started_ms : finished->at_ms)
            .run();
        Statement(db_, "UPDATE rooms SET finished_ms = ?2 WHERE sid = ?1 AND finished_ms = 0")
            .bind(1, sid)
            .bind(2, finished->at_ms)
            .run();
      }
    }
    for (const std::string& sid : touched) refresh_status(sid);
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
    if (colon == std::string::npos ||
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
