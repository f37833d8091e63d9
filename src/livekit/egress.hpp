#pragma once
// Egress messages: the StartRoomCompositeEgress request we send (protobuf JSON field names) and
// the EgressInfo LiveKit answers with.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ar::livekit {

// The storages outputs may name: "" is the default one.
struct RequestStorages {
  const std::optional<config::Storage>& fallback;
  const config::NamedStorages& named;
};

// A RoomCompositeEgressRequest for room_name with the recording's outputs (file_outputs,
// segment_outputs, stream_outputs, image_outputs), each uploading to its storage. Fields left
// empty in the config are left out, as protobuf JSON does.
std::string room_composite_request(std::string_view room_name, const config::Recording& recording,
                                   const RequestStorages& storages);

// The request as --check-config shows it: storage secrets and stream keys replaced.
std::string redact_request(std::string_view request);

// "rtmps://live.example.com/app/<redacted>": scheme, host and the first path segment are kept.
std::string redact_stream_url(std::string_view url);

inline constexpr std::string_view kStartRoomComposite = "livekit.Egress/StartRoomCompositeEgress";
inline constexpr std::string_view kListEgress = "livekit.Egress/ListEgress";

struct EgressInfo {
  std::string egress_id;
  std::string room_name;
  std::string status;           // "EGRESS_STARTING", ...
  bool room_composite = false;  // the egress records a whole room (not a track or participant)
};

// STARTING, ACTIVE or ENDING: the egress is (about to be) recording.
bool is_active_status(std::string_view status);

// Reads an EgressInfo reply (snake_case or lowerCamelCase); nullopt without an egress id.
std::optional<EgressInfo> parse_egress_info(std::string_view text);

// ListEgressRequest{room_name, active}.
std::string list_egress_request(std::string_view room_name, bool active);

// The items of a ListEgressResponse; nullopt when the reply is not one.
std::optional<std::vector<EgressInfo>> parse_egress_list(std::string_view text);

}  // namespace ar::livekit
