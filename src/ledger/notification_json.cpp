#include "ledger/notification_json.hpp"

#include <boost/json.hpp>

#include "ledger/session_json.hpp"
#include "util/wall_clock.hpp"

namespace ar::ledger {

namespace json = boost::json;

namespace {

std::string body(EventType type, std::int64_t at_ms, json::object data) {
  return json::serialize(json::object{
      {"type", to_string(type)}, {"timestamp", util::rfc3339(at_ms)}, {"data", std::move(data)}});
}

}  // namespace

std::string event_id(EventType type, std::string_view of) {
  std::string id = "msg_";
  id.append(of).append(type == EventType::kSessionFinished ? "_finished" : "_ended");
  return id;
}

std::string session_finished_body(const Session& room, bool metadata, std::int64_t at_ms) {
  json::object shown;
  if (metadata) shown.emplace("metadata", room.metadata);
  json::object data = session_to_json(room, shown);
  data.emplace("why", reason_of(room));
  return body(EventType::kSessionFinished, at_ms, std::move(data));
}

std::string recording_ended_body(const Session& room, const Recording& r, std::int64_t at_ms) {
  return body(EventType::kRecordingEnded, at_ms,
              json::object{{"room", json::object{{"sid", room.sid}, {"name", room.name}}},
                           {"recording", recording_to_json(r)}});
}

}  // namespace ar::ledger
