#include "livekit/rooms.hpp"

#include <boost/json.hpp>

namespace ar::livekit {

namespace json = boost::json;

std::string list_rooms_request(const std::vector<std::string>& names) {
  json::object request;
  if (!names.empty()) {
    json::array list;
    for (const std::string& name : names) list.emplace_back(name);
    request["names"] = std::move(list);
  }
  return json::serialize(request);
}

std::optional<std::vector<Room>> parse_room_list(std::string_view text) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return std::nullopt;
  std::vector<Room> out;
  const json::value* rooms = root.get_object().if_contains("rooms");
  if (rooms == nullptr || rooms->is_null()) return out;
  if (!rooms->is_array()) return std::nullopt;
  for (const json::value& item : rooms->get_array()) {
    const json::object* room = item.if_object();
    if (room == nullptr) return std::nullopt;
    auto text_of = [&](std::string_view key) {
      const json::value* value = room->if_contains(key);
      return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
    };
    Room r{text_of("sid"), text_of("name"), text_of("metadata")};
    if (!r.name.empty()) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ar::livekit
