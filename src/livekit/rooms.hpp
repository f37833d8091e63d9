#pragma once
// RoomService messages: the ListRooms request and the rooms it answers with.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livekit/webhook.hpp"

namespace ar::livekit {

inline constexpr std::string_view kListRooms = "livekit.RoomService/ListRooms";

// ListRoomsRequest{names}; no names lists every room.
std::string list_rooms_request(const std::vector<std::string>& names);

// The rooms of a ListRoomsResponse; nullopt when the reply is not one.
std::optional<std::vector<Room>> parse_room_list(std::string_view text);

}  // namespace ar::livekit
