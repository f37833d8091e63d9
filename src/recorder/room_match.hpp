#pragma once
// Which recording rule decides for a room: the first whose match fits. A match tests the room
// name (a glob or a regular expression, both over the whole name) and keys of the room's
// metadata parsed as a JSON object. Knows matching, not what a rule then does.
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>

namespace ar::recorder {

struct RoomMatch {
  std::string name_glob;                    // fnmatch(3) over the whole name; empty: any name
  std::string name_regex;                   // ECMAScript, anchored at both ends; empty: any
  std::shared_ptr<const std::regex> regex;  // name_regex compiled
  boost::json::object metadata;             // each key present in the metadata with this value
};

// A match from its parts. Throws std::invalid_argument with a short reason for a regular
// expression that does not compile, or for both a glob and a regular expression.
RoomMatch make_room_match(std::string name_glob, std::string name_regex,
                          boost::json::object metadata);

struct Decision {
  std::optional<std::size_t> rule;  // index of the first rule that fits; nullopt: none
  // The metadata was needed by a rule but is not a JSON object: such rules never fit.
  bool metadata_unparsable = false;
};

Decision first_match(std::span<const RoomMatch> rules, std::string_view room_name,
                     std::string_view room_metadata);

}  // namespace ar::recorder
