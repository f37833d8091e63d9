#include "ledger/session_json.hpp"

#include <boost/json.hpp>

#include "ledger/files_json.hpp"
#include "ledger/subject_json.hpp"
#include "util/wall_clock.hpp"

namespace ar::ledger {

namespace json = boost::json;

json::value time_json(std::int64_t ms) {
  if (ms == 0) return nullptr;
  return json::string(util::rfc3339(ms));
}

json::object recording_to_json(const Recording& r) {
  return json::object{{"egress_id", r.egress_id},
                      {"kind", model::to_string(r.kind)},
                      {"participant", r.participant},
                      {"track_id", r.track_id},
                      {"status", model::to_string(r.status)},
                      {"started_at", time_json(r.started_ms)},
                      {"ended_at", time_json(r.ended_ms)},
                      {"error", r.error},
                      {"files", files_to_json(r.files)},
                      {"playlist_location", r.playlist_location},
                      {"segment_count", r.segment_count},
                      {"image_count", r.image_count},
                      {"manifest_location", r.manifest_location},
                      {"retry_count", r.retry_count},
                      {"backup_storage_used", r.backup_storage_used},
                      {"duplicate_of", r.duplicate_of},
                      {"stopped_on_purpose", r.stopped_on_purpose},
                      {"restart", r.restart},
                      {"closed_by", r.closed_by}};
}

json::object session_to_json(const Session& room, const json::object& metadata) {
  json::array recordings;
  for (const Recording& r : room.recordings) recordings.push_back(recording_to_json(r));
  const double delay = start_delay_seconds(room);
  json::object out{{"sid", room.sid},
                   {"name", room.name},
                   {"status", to_string(room.status)},
                   {"started_at", time_json(room.started_ms)},
                   {"finished_at", time_json(room.finished_ms)},
                   {"closed_by", room.closed_by},
                   {"rule", room.rule},
                   {"learned_from", room.learned_from}};
  for (const auto& field : metadata) out.emplace(field.key(), field.value());
  out.emplace("start_delay_seconds", delay < 0 ? json::value(nullptr) : json::value(delay));
  out.emplace("start_error", room.start_error);
  out.emplace("retries", room.retries);
  out.emplace("restarts", room.restarts);
  json::array asked;
  for (const model::RecordingKind kind : model::kRecordedKinds) {
    if (asks_for(room, kind)) asked.emplace_back(model::to_string(kind));
  }
  out.emplace("asked", std::move(asked));
  out.emplace("recordings", std::move(recordings));
  out.emplace("missing", missing_to_json(room.missing));
  return out;
}

json::object notification_to_json(const Notification& n) {
  const bool pending = n.state == DeliveryState::kPending;
  return json::object{{"id", n.id},
                      {"type", n.type},
                      {"endpoint", n.endpoint},
                      {"egress_id", n.egress_id},
                      {"status", n.status},
                      {"created_at", time_json(n.created_ms)},
                      {"state", to_string(n.state)},
                      {"attempts", n.attempts},
                      {"next_attempt_at", pending ? time_json(n.next_ms) : json::value(nullptr)},
                      {"delivered_at", time_json(n.delivered_ms)},
                      {"last_error", n.last_error}};
}

}  // namespace ar::ledger
