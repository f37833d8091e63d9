#pragma once
// RoomService messages: the ListRooms request (its answer is read by livekit/list_reader.hpp).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livekit/webhook.hpp"

namespace ar::livekit {

inline constexpr std::string_view kListRooms = "livekit.RoomService/ListRooms";

// ListRoomsRequest{names}; no names lists every room.
std::string list_rooms_request(const std::vector<std::string>& names);

}  // namespace ar::livekit
