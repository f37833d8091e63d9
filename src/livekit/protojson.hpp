#pragma once
// Protobuf JSON names a field either way: the JSON name (lowerCamelCase, what LiveKit's webhooks
// use) or the proto name (snake_case, what its Twirp answers use). Parsers accept both.
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ar::livekit {

// The field under json_name, else under proto_name (when given); nullptr when neither is there.
inline const boost::json::value* proto_field(const boost::json::object& object,
                                             std::string_view json_name,
                                             std::string_view proto_name = {}) {
  if (const boost::json::value* value = object.if_contains(json_name)) return value;
  return proto_name.empty() ? nullptr : object.if_contains(proto_name);
}

// protojson writes an int64 as a string of decimal digits; nullopt for anything else.
inline std::optional<std::int64_t> protojson_int64(std::string_view text) {
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

// An integer field, as a JSON number or (protojson's int64) a string of digits; fallback when
// absent or not an integer.
inline std::int64_t proto_integer(const boost::json::object& object, std::string_view json_name,
                                  std::string_view proto_name, std::int64_t fallback = 0) {
  const boost::json::value* value = proto_field(object, json_name, proto_name);
  if (value == nullptr) return fallback;
  if (value->is_int64()) return value->get_int64();
  if (value->is_string()) return protojson_int64(value->get_string()).value_or(fallback);
  return fallback;
}

}  // namespace ar::livekit
