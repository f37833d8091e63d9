// SqlStore::apply: each entry the recorder journals, as SQL. Webhooks arrive out of order and
// more than once, so every statement is an upsert that keeps what is already known.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "ledger/files_json.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sql_transaction.hpp"
#include "ledger/subject_json.hpp"

namespace ar::ledger {
namespace {

namespace json = boost::json;

std::int64_t final_flag(const Recording& r) {
  return model::is_final(r.status) ? 1 : 0;
}

// The sid every entry carries.
struct SidOf {
  template <typename T>
  const std::string& operator()(const T& entry) const {
    return entry.sid;
  }
};

constexpr const char* kEnsureRoom =
    "INSERT INTO rooms (sid, name) VALUES ($1, $2) ON CONFLICT (sid) DO UPDATE SET "
    "name = CASE WHEN rooms.name = '' THEN excluded.name ELSE rooms.name END";

// Webhooks may arrive out of order: an ended recording does not become active again, what its
// end reported (files, error, locations) is not replaced by an earlier report delivered late, and
// what is known is not forgotten by a report that lacks it. An end LiveKit reports replaces one
// the ledger inferred (closed_by). $12: whether this report is an end (is_final).
#define KEPT_AFTER_END "WHEN recordings.is_final = 1 AND $12 = 0 "
// A participant's identity or a track's id, once known, is never forgotten by a report that
// lacks it (a track egress's report does not name its publisher; the start did).
#define KEPT_KNOWN(column)                                                                         \
  column " = CASE WHEN excluded." column " <> '' THEN excluded." column " ELSE recordings." column \
         " END"
constexpr const char* kUpsertRecording =
    "INSERT INTO recordings (egress_id, room_sid, status, started_ms, ended_ms, error, files, "
    "playlist_location, segment_count, image_count, manifest_location, is_final, retry_count, "
    "backup_storage_used, kind, participant, track_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
    "ON CONFLICT (egress_id) DO UPDATE SET kind = excluded.kind, " KEPT_KNOWN("participant")
    ", " KEPT_KNOWN("track_id") ", "
    "status = CASE " KEPT_AFTER_END
    "THEN recordings.status ELSE excluded.status END, "
    "is_final = CASE WHEN $12 = 1 THEN 1 ELSE recordings.is_final END, "
    "closed_by = CASE WHEN $12 = 1 THEN '' ELSE recordings.closed_by END, "
    "started_ms = CASE WHEN excluded.started_ms > 0 THEN excluded.started_ms "
    "ELSE recordings.started_ms END, "
    "ended_ms = CASE WHEN excluded.ended_ms > recordings.ended_ms OR "
    "(excluded.ended_ms > 0 AND recordings.closed_by <> '') THEN excluded.ended_ms "
    "ELSE recordings.ended_ms END, "
    "error = CASE " KEPT_AFTER_END
    "THEN recordings.error "
    "WHEN excluded.error <> '' THEN excluded.error ELSE recordings.error END, "
    "files = CASE " KEPT_AFTER_END
    "THEN recordings.files "
    "WHEN excluded.files <> '[]' THEN excluded.files ELSE recordings.files END, "
    "playlist_location = CASE " KEPT_AFTER_END
    "THEN recordings.playlist_location "
    "WHEN excluded.playlist_location <> '' THEN excluded.playlist_location "
    "ELSE recordings.playlist_location END, "
    "segment_count = CASE WHEN excluded.segment_count > recordings.segment_count "
    "THEN excluded.segment_count ELSE recordings.segment_count END, "
    "image_count = CASE WHEN excluded.image_count > recordings.image_count "
    "THEN excluded.image_count ELSE recordings.image_count END, "
    "manifest_location = CASE " KEPT_AFTER_END
    "THEN recordings.manifest_location "
    "WHEN excluded.manifest_location <> '' THEN excluded.manifest_location "
    "ELSE recordings.manifest_location END, "
    "retry_count = CASE WHEN excluded.retry_count > recordings.retry_count "
    "THEN excluded.retry_count ELSE recordings.retry_count END, "
    "backup_storage_used = CASE WHEN excluded.backup_storage_used = 1 THEN 1 "
    "ELSE recordings.backup_storage_used END";
#undef KEPT_AFTER_END

constexpr const char* kFirstRecording =
    "UPDATE rooms SET first_recording_ms = CASE WHEN first_recording_ms = 0 OR "
    "first_recording_ms > $2 THEN $2 ELSE first_recording_ms END";

bool is_composite(model::RecordingKind kind) {
  return kind == model::RecordingKind::kRoomComposite;
}

// One entry as SQL, by its type: each statement an upsert that keeps what is already known.
struct Applier {
  Database& db;
  const std::string& sid;

  void operator()(const RoomSeen& seen) const {
    db.run(
        "INSERT INTO rooms (sid, name, started_ms, learned_from, metadata) "
        "VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (sid) DO UPDATE SET name = excluded.name, "
        "metadata = CASE WHEN excluded.metadata <> '' THEN excluded.metadata "
        "ELSE rooms.metadata END, "
        "started_ms = CASE WHEN rooms.started_ms = 0 OR (excluded.started_ms > 0 AND "
        "excluded.started_ms < rooms.started_ms) THEN excluded.started_ms "
        "ELSE rooms.started_ms END, "
        "learned_from = CASE WHEN rooms.learned_from = '' THEN excluded.learned_from "
        "ELSE rooms.learned_from END",
        {sid, seen.name, seen.started_ms, seen.learned_from, seen.metadata});
  }

  void operator()(const Decided& decided) const {
    db.run(kEnsureRoom, {sid, ""});
    db.run("UPDATE rooms SET decision = $2, rule = $3, asked = $4 WHERE sid = $1",
           {sid, decided.record ? "record" : "skip", decided.rule, decided.asked});
  }

  void operator()(const StartRetried& retried) const {
    db.run(kEnsureRoom, {sid, ""});
    // Counted once per retry, however often the entry is applied (a spill replayed, a batch
    // retried after a commit whose answer was lost).
    const bool first_time =
        retried.key.empty() || db.run(
                                     "INSERT INTO start_retries (key, room_sid) VALUES ($1, $2) "
                                     "ON CONFLICT (key) DO NOTHING",
                                     {retried.key, sid})
                                       .changed == 1;
    if (first_time) {
      db.run("UPDATE rooms SET retries = retries + 1, start_error = $2 WHERE sid = $1",
             {sid, retried.error});
    }
  }

  void operator()(const StartFailed& failed) const {
    db.run(kEnsureRoom, {sid, ""});
    if (failed.subject) return note_missing(*failed.subject, failed.error);
    db.run("UPDATE rooms SET start_error = $2 WHERE sid = $1", {sid, failed.error});
  }

  // The session's participants and tracks without a recording, as the rooms table has them.
  // Rarely more than empty: read only when it is not.
  std::vector<Missing> missing_now() const {
    std::vector<Missing> missing;
    for (const Row& row :
         db.run("SELECT missing FROM rooms WHERE sid = $1 AND missing <> '[]'", {sid}).rows) {
      missing = missing_from_text(row.text(0));
    }
    return missing;
  }
  void write_missing(const std::vector<Missing>& missing) const {
    db.run("UPDATE rooms SET missing = $2 WHERE sid = $1",
           {sid, json::serialize(missing_to_json(missing))});
  }

  // This participant or track is missing, for `error`.
  void note_missing(const Subject& subject, const std::string& error) const {
    std::vector<Missing> missing = missing_now();
    const auto same = std::find_if(missing.begin(), missing.end(),
                                   [&](const Missing& m) { return m.subject.sid == subject.sid; });
    if (same == missing.end()) {
      missing.push_back({subject, error});
    } else {
      if (same->error == error) return;
      same->error = error;
    }
    write_missing(missing);
  }

  // Recorded after all (a start of it, the reconciler's, another replica's, or LiveKit's own
  // recording of it reported): those of `missing` that `recorded` says are no longer missing.
  template <typename Recorded>
  void no_longer_missing(Recorded recorded) const {
    std::vector<Missing> missing = missing_now();
    if (std::erase_if(missing, recorded) > 0) write_missing(missing);
  }

  void operator()(const RecordingStarted& started) const {
    db.run(kEnsureRoom, {sid, ""});
    const Subject none{model::RecordingKind::kRoomComposite, "", "", ""};
    const Subject& subject = started.subject ? *started.subject : none;
    db.run(
        "INSERT INTO recordings (egress_id, room_sid, started_ms, kind, participant, track_id) "
        "VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT (egress_id) DO UPDATE SET " KEPT_KNOWN("participant") ", " KEPT_KNOWN(
            "track_id"),
        {started.egress_id, sid, started.at_ms, model::to_string(subject.kind), subject.participant,
         subject.track_id});
    if (started.subject) {
      no_longer_missing([&](const Missing& m) { return m.subject.sid == subject.sid; });
    }
    // A restart counts once, whichever way its recording is told twice.
    const bool restart =
        started.restart && db.run(
                                 "UPDATE recordings SET restart = 1 WHERE egress_id = $1 AND "
                                 "restart = 0",
                                 {started.egress_id})
                                   .changed == 1;
    if (restart) db.run("UPDATE rooms SET restarts = restarts + 1 WHERE sid = $1", {sid});
    // The delay of the room's recording: its composite's, when the rule asked for one.
    if (!started.subject)
      db.run(std::string(kFirstRecording) + " WHERE sid = $1", {sid, started.at_ms});
  }

  void operator()(const EgressReported& reported) const {
    const Recording& r = reported.recording();
    db.run(kEnsureRoom, {sid, reported.room_name});
    const std::string files = json::serialize(files_to_json(r.files));
    db.run(kUpsertRecording,
           {r.egress_id, sid, model::to_string(r.status), r.started_ms, r.ended_ms, r.error, files,
            r.playlist_location, r.segment_count, r.image_count, r.manifest_location, final_flag(r),
            r.retry_count, std::int64_t{r.backup_storage_used ? 1 : 0}, model::to_string(r.kind),
            r.participant, r.track_id});
    // A participant's (by identity) or track's recording, of whoever's start: it is recorded.
    if (!is_composite(r.kind) && !model::is_failure(r.status) &&
        (!r.participant.empty() || !r.track_id.empty())) {
      no_longer_missing([&](const Missing& m) {
        return m.subject.kind == r.kind &&
               (r.kind == model::RecordingKind::kTrack ? m.subject.track_id == r.track_id
                                                       : m.subject.participant == r.participant);
      });
    }
    if (r.started_ms > 0) {
      db.run("UPDATE rooms SET started_ms = $2 WHERE sid = $1 AND started_ms = 0",
             {sid, r.started_ms});
      if (is_composite(r.kind)) {
        db.run(std::string(kFirstRecording) + " WHERE sid = $1", {sid, r.started_ms});
      }
    }
  }

  void operator()(const StoppedOnPurpose& stopped) const {
    // Its egress_ended may have been lost: the recording is known from the stop alone.
    db.run(kEnsureRoom, {sid, ""});
    db.run(
        "INSERT INTO recordings (egress_id, room_sid, status, stopped_on_purpose, is_final) "
        "VALUES ($1, $2, $3, 1, 1) "
        "ON CONFLICT (egress_id) DO UPDATE SET stopped_on_purpose = 1",
        {stopped.egress_id, sid, std::string(model::to_string(model::EgressStatus::kComplete))});
  }

  void operator()(const StoppedAsDuplicate& stopped) const {
    db.run(kEnsureRoom, {sid, ""});
    db.run(
        "INSERT INTO recordings (egress_id, room_sid, duplicate_of) VALUES ($1, $2, $3) "
        "ON CONFLICT (egress_id) DO UPDATE SET duplicate_of = excluded.duplicate_of",
        {stopped.egress_id, sid, stopped.kept});
  }

  void operator()(const RoomFinished& finished) const {
    db.run(kEnsureRoom, {sid, finished.name});
    db.run("UPDATE rooms SET started_ms = $2 WHERE sid = $1 AND started_ms = 0",
           {sid, finished.started_ms > 0 ? finished.started_ms : finished.at_ms});
    // The first end known is kept, but LiveKit's own room_finished replaces an estimate.
    db.run(
        "UPDATE rooms SET finished_ms = $2, closed_by = $3 WHERE sid = $1 AND "
        "(finished_ms = 0 OR ($3 = '' AND closed_by <> ''))",
        {sid, finished.at_ms, finished.closed_by});
  }

  void operator()(const RecordingClosed& closed) const {
    db.run(kEnsureRoom, {sid, ""});
    db.run(
        "UPDATE recordings SET closed_by = 'reconciler', "
        "ended_ms = CASE WHEN ended_ms = 0 THEN $2 ELSE ended_ms END "
        "WHERE egress_id = $1 AND closed_by = '' AND is_final = 0",
        {closed.egress_id, closed.at_ms});
  }
};

#undef KEPT_KNOWN

}  // namespace

std::vector<Status> SqlStore::apply(std::span<const Entry> entries) {
  std::vector<Status> ended;
  in_transaction(*db_, [&] {
    std::set<std::string> touched;
    for (const Entry& entry : entries) {
      const std::string& sid = std::visit(SidOf{}, entry);
      if (sid.empty()) continue;
      touched.insert(sid);
      std::visit(Applier{*db_, sid}, entry);
    }
    for (const std::string& sid : touched) {
      if (const auto status = refresh_status(sid)) ended.push_back(*status);
    }
  });
  return ended;
}

}  // namespace ar::ledger
