#include "livekit/egress_info.hpp"

#include <array>
#include <boost/json.hpp>

#include "livekit/protojson.hpp"

namespace ar::livekit {
namespace {

namespace json = boost::json;

EgressStatus status_of(const json::value* value) {
  if (value == nullptr) return EgressStatus::kStarting;  // the zero value, left out by protobuf
  if (value->is_string()) return model::egress_status_named(value->get_string());
  if (value->is_int64()) return model::egress_status_numbered(value->get_int64());
  return EgressStatus::kUnknown;
}

std::string string_field(const json::object& object, std::string_view json_name,
                         std::string_view proto_name) {
  const json::value* value = proto_field(object, json_name, proto_name);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return std::nullopt;
  return std::move(root.get_object());
}

const json::array* array_field(const json::object& object, std::string_view json_name,
                               std::string_view proto_name) {
  const json::value* value = proto_field(object, json_name, proto_name);
  return value != nullptr ? value->if_array() : nullptr;
}

EgressResults read_results(const json::object& object) {
  EgressResults out;
  out.started_at_ns = proto_integer(object, "startedAt", "started_at");
  out.ended_at_ns = proto_integer(object, "endedAt", "ended_at");
  out.manifest_location = string_field(object, "manifestLocation", "manifest_location");
  out.retry_count = proto_integer(object, "retryCount", "retry_count");
  const json::value* backup = proto_field(object, "backupStorageUsed", "backup_storage_used");
  out.backup_storage_used = backup != nullptr && backup->is_bool() && backup->get_bool();
  if (const json::array* files = array_field(object, "fileResults", "file_results")) {
    for (const json::value& item : *files) {
      const json::object* file = item.if_object();
      if (file == nullptr) continue;
      out.files.push_back({string_field(*file, "filename", ""), string_field(*file, "location", ""),
                           proto_integer(*file, "size", ""), proto_integer(*file, "duration", "")});
    }
  }
  if (const json::array* segments = array_field(object, "segmentResults", "segment_results")) {
    for (const json::value& item : *segments) {
      const json::object* segment = item.if_object();
      if (segment == nullptr) continue;
      ++out.segment_outputs;
      if (out.playlist_location.empty()) {
        out.playlist_location = string_field(*segment, "playlistLocation", "playlist_location");
      }
      out.segment_count += proto_integer(*segment, "segmentCount", "segment_count");
    }
  }
  if (const json::array* images = array_field(object, "imageResults", "image_results")) {
    for (const json::value& item : *images) {
      if (const json::object* image = item.if_object()) {
        out.image_count += proto_integer(*image, "imageCount", "image_count");
      }
    }
  }
  return out;
}

// What an EGRESS_COMPLETE lacks to be a recording, or nullopt when it lacks nothing.
std::optional<std::string> emptiness(const EgressResults& results) {
  for (const EgressFile& file : results.files) {
    if (file.location.empty()) return "a file without a location (nothing was uploaded)";
    if (file.size == 0) return "a file of size 0 at " + file.location;
  }
  if (results.segment_outputs > 0 && results.segment_count == 0) return "no HLS segment";
  return std::nullopt;
}

}  // namespace

void fail_if_empty(EgressInfo& egress) {
  if (egress.status != EgressStatus::kComplete) return;
  const auto lacking = emptiness(egress.results);
  if (!lacking) return;
  egress.status = EgressStatus::kFailed;
  std::string why = "EGRESS_COMPLETE without a recording: " + *lacking;
  egress.error = egress.error.empty() ? std::move(why) : why + "; " + egress.error;
}

std::optional<RecordingKind> request_kind(std::string_view field) {
  // Protobuf JSON writes the proto's names in lowerCamelCase; either form is read.
  std::string name;
  for (const char c : field) {
    if (c >= 'A' && c <= 'Z') {
      name += '_';
      name += static_cast<char>(c - 'A' + 'a');
    } else {
      name += c;
    }
  }
  return model::kRecordingKindNames.named(name);
}

std::optional<RecordingKind> unified_request_kind(std::string_view field) {
  if (field == "template") return RecordingKind::kRoomComposite;
  if (field == "web") return RecordingKind::kWeb;
  if (field == "media") return RecordingKind::kOther;
  return std::nullopt;
}

bool names_file_output(std::string_view field) {
  return field == "fileOutputs" || field == "file_outputs" || field == "segmentOutputs" ||
         field == "segment_outputs" || field == "file" || field == "segments";
}

namespace {

// A non-empty output of the request (an object, or an array with an item).
bool has_file_output(const json::object& request) {
  for (const auto& field : request) {
    if (!names_file_output(field.key())) continue;
    const json::value& value = field.value();
    if (value.is_object() || (value.is_array() && !value.get_array().empty())) return true;
  }
  if (const json::value* outputs = request.if_contains("outputs")) {
    if (const json::array* list = outputs->if_array()) {
      for (const json::value& output : *list) {
        if (output.is_object() && has_file_output(output.get_object())) return true;
      }
    }
  }
  return false;
}

// The participant a unified media source records: the one identity its participantVideo and
// every audio route select. Empty when it records more than one (routes of several identities,
// a route by track or by participant kind, a video track): an application's mix, never taken
// for one participant's recording (a duplicate to heal, a recording that counts for one).
std::string media_participant(const json::object& media) {
  std::string identity;
  bool one = true;
  const auto take = [&](std::string name) {
    if (name.empty() || (!identity.empty() && name != identity)) one = false;
    if (identity.empty()) identity = std::move(name);
  };
  if (const json::value* video = proto_field(media, "participantVideo", "participant_video")) {
    if (video->is_object()) take(string_field(video->get_object(), "identity", ""));
  }
  if (proto_field(media, "videoTrackId", "video_track_id") != nullptr) one = false;
  if (const json::value* audio = media.if_contains("audio"); audio && audio->is_object()) {
    if (const json::value* routes = audio->get_object().if_contains("routes");
        routes && routes->is_array()) {
      for (const json::value& route : routes->get_array()) {
        if (!route.is_object()) continue;
        take(string_field(route.get_object(), "participantIdentity", "participant_identity"));
      }
    }
  }
  return one ? identity : std::string();
}

}  // namespace

std::optional<EgressInfo> read_egress_info(const json::object& object) {
  EgressInfo info;
  info.egress_id = string_field(object, "egressId", "egress_id");
  if (info.egress_id.empty()) return std::nullopt;
  info.room_id = string_field(object, "roomId", "room_id");
  info.room_name = string_field(object, "roomName", "room_name");
  info.error = string_field(object, "error", "");
  info.error_code = proto_integer(object, "errorCode", "error_code");
  info.status = status_of(object.if_contains("status"));
  // The request oneof: one field names the kind; the unified request (egress) by its source.
  for (const auto& field : object) {
    if (!field.value().is_object()) continue;
    const json::object& request = field.value().get_object();
    if (field.key() == "egress") {
      for (const auto& source : request) {
        auto kind = unified_request_kind(source.key());
        if (kind && source.value().is_object()) info.kind = *kind;
      }
      if (const json::value* media = request.if_contains("media"); media && media->is_object()) {
        info.subject = media_participant(media->get_object());
        if (!info.subject.empty()) info.kind = RecordingKind::kParticipant;
      }
      info.writes_files = has_file_output(request);
    } else if (auto kind = request_kind(field.key())) {
      info.kind = *kind;
      info.writes_files = has_file_output(request);
      if (info.kind == RecordingKind::kParticipant)
        info.subject = string_field(request, "identity", "");
      if (info.kind == RecordingKind::kTrack)
        info.subject = string_field(request, "trackId", "track_id");
    }
  }
  info.results = read_results(object);
  fail_if_empty(info);
  return info;
}

std::optional<EgressInfo> parse_egress_info(std::string_view text) {
  const auto object = parse_object(text);
  if (!object) return std::nullopt;
  return read_egress_info(*object);
}

}  // namespace ar::livekit
