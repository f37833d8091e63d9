#pragma once
// Egress messages: the StartRoomCompositeEgress request we send (protobuf JSON field names) and
// the EgressInfo LiveKit answers with.
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace ar::livekit {

// A RoomCompositeEgressRequest for room_name with one file output (file_outputs[0]) uploading to
// the configured storage. Fields left empty in the config are left out, as protobuf JSON does.
std::string room_composite_request(std::string_view room_name, const config::Recording& recording,
                                   const config::Storage& storage);

inline constexpr std::string_view kStartRoomComposite = "livekit.Egress/StartRoomCompositeEgress";

struct EgressInfo {
  std::string egress_id;
  std::string status;  // "EGRESS_STARTING", ...
};

// Reads egress_id and status from an EgressInfo reply (snake_case or lowerCamelCase).
std::optional<EgressInfo> parse_egress_info(std::string_view text);

}  // namespace ar::livekit
