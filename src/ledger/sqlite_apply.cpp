// SqliteStore::apply: each entry the recorder journals, as SQL. Webhooks arrive out of order and
// more than once, so every statement is an upsert that keeps what is already known.
#include <sqlite3.h>

#include <boost/json.hpp>
#include <set>

#include "ledger/sqlite_statement.hpp"
#include "ledger/sqlite_store.hpp"

namespace ar::ledger {
namespace {

namespace json = boost::json;
using sqlite::Statement;

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
                  "started_ms = CASE WHEN rooms.started_ms = 0 OR (excluded.started_ms > 0 AND "
                  "excluded.started_ms < rooms.started_ms) THEN excluded.started_ms "
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
                    "UPDATE rooms SET first_recording_ms = CASE WHEN first_recording_ms = 0 OR "
                    "first_recording_ms > ?2 THEN ?2 ELSE first_recording_ms END, "
                    "started_ms = CASE WHEN started_ms = 0 THEN ?2 ELSE started_ms END "
                    "WHERE sid = ?1")
              .bind(1, sid)
              .bind(2, r.started_ms)
              .run();
        }
      } else if (const auto* stopped = std::get_if<StoppedOnPurpose>(&entry)) {
        // Its egress_ended may have been lost: the recording is known from the stop alone.
        ensure_room(db_, sid, "");
        Statement(db_,
                  "INSERT INTO recordings (egress_id, room_sid, status, stopped_on_purpose) "
                  "VALUES (?1, ?2, 'EGRESS_COMPLETE', 1) "
                  "ON CONFLICT (egress_id) DO UPDATE SET stopped_on_purpose = 1")
            .bind(1, stopped->egress_id)
            .bind(2, sid)
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

}  // namespace ar::ledger
