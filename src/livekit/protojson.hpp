#pragma once
// Protobuf JSON names a field either way: the JSON name (lowerCamelCase, what LiveKit's webhooks
// use) or the proto name (snake_case, what its Twirp answers use). Parsers accept both.
#include <boost/json.hpp>
#include <string_view>

namespace ar::livekit {

// The field under json_name, else under proto_name (when given); nullptr when neither is there.
inline const boost::json::value* proto_field(const boost::json::object& object,
                                             std::string_view json_name,
                                             std::string_view proto_name = {}) {
  if (const boost::json::value* value = object.if_contains(json_name)) return value;
  return proto_name.empty() ? nullptr : object.if_contains(proto_name);
}

}  // namespace ar::livekit
