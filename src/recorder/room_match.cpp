#include "recorder/room_match.hpp"

#include <fnmatch.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

namespace ar::recorder {

RoomMatch make_room_match(std::string name_glob, std::string name_regex,
                          boost::json::object metadata) {
  if (!name_glob.empty() && !name_regex.empty()) {
    throw std::invalid_argument("give room or room_regex, not both");
  }
  RoomMatch match{std::move(name_glob), std::move(name_regex), nullptr, std::move(metadata)};
  if (!match.name_regex.empty()) {
    try {
      match.regex = std::make_shared<const std::regex>(match.name_regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw std::invalid_argument("room_regex \"" + match.name_regex +
                                  "\" is not a regular expression: " + e.what());
    }
  }
  return match;
}

Decision first_match(std::span<const RoomMatch> rules, std::string_view room_name,
                     std::string_view room_metadata) {
  Decision decision;
  if (rules.empty()) return decision;  // no policy: nothing to compare, nothing to allocate
  const std::string name(room_name);
  std::optional<boost::json::object> metadata;  // parsed when a rule first needs it
  bool parsed = false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RoomMatch& rule = rules[i];
    if (!rule.name_glob.empty() && fnmatch(rule.name_glob.c_str(), name.c_str(), 0) != 0) {
      continue;
    }
    if (rule.regex && !std::regex_match(name, *rule.regex)) continue;
    if (!rule.metadata.empty()) {
      if (!parsed) {
        parsed = true;
        boost::system::error_code ec;
        boost::json::value value = boost::json::parse(room_metadata, ec);
        if (!ec && value.is_object()) metadata = std::move(value.get_object());
      }
      if (!metadata) {
        // No metadata at all is the common case, not a problem worth reporting.
        decision.metadata_unparsable =
            room_metadata.find_first_not_of(" \t\r\n") != std::string_view::npos;
        continue;
      }
      bool fits = true;
      for (const auto& [key, wanted] : rule.metadata) {
        const boost::json::value* present = metadata->if_contains(key);
        fits = fits && present != nullptr && *present == wanted;
      }
      if (!fits) continue;
    }
    decision.rule = i;
    return decision;
  }
  return decision;
}

}  // namespace ar::recorder
