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

}  // namespace ar::livekit
