#pragma once
// ListRooms and ListEgress answers read as they arrive, item by item, without keeping the body
// or a parsed tree of it: 30 000 rooms answer with ~10 MB of JSON and their egresses with ~30 MB,
// of which the recorder needs a room's name, sid and metadata, and an egress's id, room, status
// and kind. Each item is handed to a callback as soon as its object closes.
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "livekit/egress_info.hpp"
#include "livekit/twirp_client.hpp"
#include "livekit/webhook.hpp"

namespace ar::livekit {

// The items of a ListRoomsResponse ("rooms"); rooms without a name are left out.
std::unique_ptr<ReplyReader> room_list_reader(std::function<void(Room&&)> each);

// The items of a ListEgressResponse ("items"); egresses without an id are left out.
std::unique_ptr<ReplyReader> egress_list_reader(std::function<void(EgressInfo&&)> each);

// The same over a whole body at once; nullopt when it is not such a reply.
std::optional<std::vector<Room>> parse_room_list(std::string_view text);
std::optional<std::vector<EgressInfo>> parse_egress_list(std::string_view text);

}  // namespace ar::livekit
