// SqlStore's reads: one session, a window's page (its metadata and its byte budget), and its
// counts per status. The window's SQL is in ledger/sql_query.cpp.
#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <unordered_map>

#include "ledger/files_json.hpp"
#include "ledger/redaction.hpp"
#include "ledger/sql_query.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/subject_json.hpp"

namespace ar::ledger {
namespace {

namespace json = boost::json;

// A session's columns but its metadata, which a list reads apart (SqlStore::fill).
constexpr const char* kRoomColumns =
    "sid, name, started_ms, finished_ms, learned_from, decision, rule, start_error, retries, "
    "restarts, first_recording_ms, closed_by, changed_ms, asked, missing";

constexpr const char* kRecordingColumns =
    "room_sid, egress_id, status, started_ms, ended_ms, error, files, playlist_location, "
    "segment_count, image_count, manifest_location, stopped_on_purpose, restart, closed_by, "
    "retry_count, backup_storage_used, duplicate_of, kind, participant, track_id";

// Recordings are read for this many sessions at once (a page of 1 000 in 5 statements: in 20,
// its p95 on PostgreSQL was 101 ms); metadata for fewer, so that one answer holds at most a few
// times a list's cap.
constexpr std::size_t kRecordingsPerQuery = 200;
constexpr std::size_t kMetadataPerQuery = 8;

// "column IN ($1, ..., $n)" of the rooms' sids, padded with empty ones to n, so that the
// statement is prepared once whatever the number of rooms.
std::string sids_in(std::string_view column, std::span<const Session> rooms, std::size_t n,
                    std::vector<Param>& params) {
  std::string sql = std::string(column) + " IN (";
  for (std::size_t i = 0; i < n; ++i) {
    sql += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
    params.emplace_back(i < rooms.size() ? std::string_view(rooms[i].sid) : std::string_view());
  }
  return sql + ")";
}

// What a room weighs in a page's byte budget: the text a list shows of it.
std::size_t text_bytes(const Session& room) {
  std::size_t bytes = room.sid.size() + room.name.size() + room.learned_from.size() +
                      room.metadata.size() + room.rule.size() + room.start_error.size() +
                      room.closed_by.size() + room.asked.size();
  for (const Missing& m : room.missing) {
    bytes += m.subject.sid.size() + m.subject.participant.size() + m.subject.track_id.size() +
             m.error.size();
  }
  for (const Recording& r : room.recordings) {
    bytes += r.egress_id.size() + r.error.size() + r.playlist_location.size() +
             r.manifest_location.size() + r.closed_by.size() + r.participant.size() +
             r.track_id.size();
    for (const File& f : r.files) bytes += f.filename.size() + f.location.size();
  }
  return bytes;
}

// At most `cap` bytes of UTF-8 `text`, ending with a whole character.
void cut(std::string& text, std::size_t cap) {
  if (text.size() <= cap) return;
  std::size_t at = cap;
  while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
  text.resize(at);
}

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
  room.closed_by = row.text(11);
  room.changed_ms = row.integer(12);
  room.asked = row.text(13);
  room.missing = missing_from_text(row.text(14));
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
  r.retry_count = row.integer(14);
  r.backup_storage_used = row.integer(15) != 0;
  r.duplicate_of = row.text(16);
  r.kind = model::kRecordingKindNames.named(row.text(17)).value_or(model::RecordingKind::kOther);
  r.participant = row.text(18);
  r.track_id = row.text(19);
  return r;
}

}  // namespace

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
  std::vector<Param> sids;
  const std::string in = sids_in("room_sid", rooms, kRecordingsPerQuery, sids);
  return db_->run(columns + "WHERE " + in + " ORDER BY started_ms, egress_id", sids);
}

std::optional<Session> SqlStore::room(std::string_view sid) {
  std::optional<Session> room = session(sid, true);
  if (room) room->notifications = notifications(sid);
  return room;
}

std::optional<Session> SqlStore::session(std::string_view sid, bool with_metadata) {
  const Result result =
      db_->run(std::string("SELECT ") + kRoomColumns + (with_metadata ? ", metadata" : "") +
                   " FROM rooms WHERE sid = $1",
               {sid});
  if (result.rows.empty()) return std::nullopt;
  Session room = room_from(result.rows.front());
  if (with_metadata) {
    room.metadata = result.rows.front().text(15);
    room.metadata_bytes = room.metadata.size();
  }
  load_recordings({&room, 1});
  redact(room);  // a row an older version wrote may hold what is redacted now
  return room;
}

// The sessions that started in the window come first (newest first); those that started before
// it are read only while the page is not full.
Page SqlStore::rooms(const Query& query) {
  const WindowRead read(*db_, query);
  const std::optional<Narrow> narrow = narrowing(read);
  Page page;
  const auto add = [&page](const Row& row) { page.rooms.push_back(room_from(row)); };
  if (narrow) {
    db_->each(read.named(kRoomColumns, *narrow), read.params(), add);
  } else {
    db_->each(read.started(kRoomColumns), read.params(), add);
    if (page.rooms.size() <= query.limit) db_->each(read.earlier(kRoomColumns), read.params(), add);
  }
  if (page.rooms.size() > query.limit) {
    page.rooms.resize(query.limit);
    page.next = PageAfter{page.rooms.back().started_ms, page.rooms.back().sid};
  }
  load_recordings(page.rooms);
  fill(page, query);
  for (Session& room : page.rooms) redact(room);
  return page;
}

// A glob's names are found first when few are found: by its prefix, else by its trigrams.
std::optional<Narrow> SqlStore::narrowing(const WindowRead& read) {
  const auto few = [&](const std::optional<std::string>& count) {
    return count && db_->run(*count, read.params()).rows.at(0).integer(0) < WindowRead::kFewNames;
  };
  if (few(read.name_count(Narrow::kPrefix))) return Narrow::kPrefix;
  const auto trigrams = read.name_count(Narrow::kTrigrams);
  if (trigrams && db_->has_name_trigrams() && few(trigrams)) return Narrow::kTrigrams;
  return std::nullopt;
}

// Room by room, newest first: the page ends before the room that takes it past its budget, and
// no metadata is read past it, so a page of large metadata is never held whole.
void SqlStore::fill(Page& page, const Query& query) {
  std::size_t spent = 0;
  for (std::size_t first = 0; first < page.rooms.size(); first += kMetadataPerQuery) {
    const std::span<Session> part =
        std::span(page.rooms)
            .subspan(first, std::min(kMetadataPerQuery, page.rooms.size() - first));
    if (query.metadata_cap > 0) load_metadata(part, query.metadata_cap);
    for (std::size_t i = 0; i < part.size(); ++i) {
      spent += text_bytes(part[i]);
      if (spent > query.max_bytes && first + i > 0) {
        page.rooms.resize(first + i);
        page.next = PageAfter{page.rooms.back().started_ms, page.rooms.back().sid};
        return;
      }
    }
  }
}

// substr() counts characters in both databases, so that a cut never splits one; the bytes beyond
// the cap (up to 4 per character) are cut here, at a character's start.
void SqlStore::load_metadata(std::span<Session> rooms, std::size_t cap) {
  std::vector<Param> params;
  const std::string in = sids_in("sid", rooms, kMetadataPerQuery, params);
  params.emplace_back(static_cast<std::int64_t>(
      std::min<std::size_t>(cap, std::numeric_limits<std::int32_t>::max())));
  const std::string sql = "SELECT sid, substr(metadata, 1, CAST($" + std::to_string(params.size()) +
                          " AS INTEGER)), " + db_->byte_length("metadata") + " FROM rooms WHERE " +
                          in;
  std::unordered_map<std::string_view, Session*> by_sid;
  for (Session& room : rooms) by_sid.emplace(room.sid, &room);
  db_->each(sql, params, [&](const Row& row) {
    if (const auto found = by_sid.find(row.text(0)); found != by_sid.end()) {
      found->second->metadata = row.text(1);
      cut(found->second->metadata, cap);
      found->second->metadata_bytes = static_cast<std::size_t>(row.integer(2));
    }
  });
}

Counts SqlStore::counts(const Query& window) {
  Query whole = window;
  whole.status.reset();
  whole.after.reset();
  const WindowRead read(*db_, whole);
  Counts counts;
  db_->each(read.counts(narrowing(read)), read.params(), [&counts](const Row& row) {
    if (const auto status = model::kSessionStatusNames.named(row.text(0))) {
      counts[*status] += static_cast<std::size_t>(row.integer(1));
    }
  });
  return counts;
}

}  // namespace ar::ledger
