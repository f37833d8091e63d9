#include "livekit/participants.hpp"

#include <array>
#include <boost/json.hpp>
#include <span>

#include "livekit/protojson.hpp"

namespace ar::livekit {
namespace {

namespace json = boost::json;

std::string text_of(const json::object& object, std::string_view json_name,
                    std::string_view proto_name = {}) {
  const json::value* value = proto_field(object, json_name, proto_name);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

// An enum field, by its name or its number (protojson may write either).
std::int64_t enum_number(const json::object& object, std::string_view field,
                         std::span<const std::string_view> names) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->get_int64();
  if (!value->is_string()) return 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value->get_string()) return static_cast<std::int64_t>(i);
  }
  return -1;
}

}  // namespace

std::string Subject::label() const {
  if (is_track()) return "track " + sid + " of " + identity;
  return "participant " + identity;
}

Subject participant_subject(const Participant& participant) {
  return {model::RecordingKind::kParticipant, participant.sid, participant.identity, false,
          participant.joined_ms};
}

Subject track_subject(const Participant& publisher, const Track& track) {
  return {model::RecordingKind::kTrack, track.sid, publisher.identity, track.audio, 0};
}

std::optional<Track> read_track(const json::object& object) {
  Track track;
  track.sid = text_of(object, "sid");
  if (track.sid.empty()) return std::nullopt;
  static constexpr std::array<std::string_view, 3> kTypes{"AUDIO", "VIDEO", "DATA"};
  const std::int64_t type = enum_number(object, "type", kTypes);
  track.audio = type == 0;
  track.data = type != 0 && type != 1;
  return track;
}

std::optional<Participant> read_participant(const json::object& object) {
  Participant participant;
  participant.sid = text_of(object, "sid");
  if (participant.sid.empty()) return std::nullopt;
  participant.identity = text_of(object, "identity");
  static constexpr std::array<std::string_view, 5> kKinds{"STANDARD", "INGRESS", "EGRESS", "SIP",
                                                          "AGENT"};
  const std::int64_t kind = enum_number(object, "kind", kKinds);
  participant.kind = kind >= 0 && kind < static_cast<std::int64_t>(kKinds.size())
                         ? static_cast<model::ParticipantKind>(kind)
                         : model::ParticipantKind::kOther;
  const std::int64_t joined = proto_integer(object, "joinedAt", "joined_at");
  participant.joined_ms = proto_integer(object, "joinedAtMs", "joined_at_ms", joined * 1000);
  if (const json::value* attributes = object.if_contains("attributes")) {
    if (const json::object* map = attributes->if_object()) {
      for (const auto& [name, value] : *map) {
        if (value.is_string()) {
          participant.attributes.emplace_back(std::string(name), std::string(value.get_string()));
        }
      }
    }
  }
  if (const json::value* tracks = object.if_contains("tracks")) {
    if (const json::array* list = tracks->if_array()) {
      for (const json::value& item : *list) {
        if (!item.is_object()) continue;
        if (auto track = read_track(item.get_object())) participant.tracks.push_back(*track);
      }
    }
  }
  return participant;
}

std::string list_participants_request(std::string_view room_name) {
  json::object request;
  request["room"] = room_name;
  return json::serialize(request);
}

std::optional<std::vector<Participant>> parse_participant_list(std::string_view text) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return std::nullopt;
  std::vector<Participant> out;
  const json::value* list = root.get_object().if_contains("participants");
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array()) return std::nullopt;
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) return std::nullopt;
    if (auto participant = read_participant(item.get_object())) {
      out.push_back(std::move(*participant));
    }
  }
  return out;
}

}  // namespace ar::livekit
