#pragma once
// Which recording rule decides for a room: the first whose match fits. A match tests the room
// name (a glob or a regular expression, both over the whole name) and keys of the room's
// metadata parsed as a JSON object. Knows matching, not what a rule then does.
//
// Room names come from end users and may be as long as a webhook body. Both kinds of pattern
// run on RE2, whose matching takes time linear in the name and a bounded stack, whatever the
// pattern: no backtracking, no recursion per character (std::regex overflowed the stack on a
// 30 000-character name; fnmatch backtracks once per `*`).
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace ar::recording {

struct RoomMatch {
  std::string name_glob;     // shell glob (*, ?, [a-z], [!x], \x) over the whole name; empty: any
  std::string name_regex;    // RE2 syntax, anchored at both ends; empty: any
  bool ignore_case = false;  // the name pattern ignores ASCII and Unicode case
  std::shared_ptr<const re2::RE2> name;  // the glob or the regular expression, compiled
  boost::json::object metadata;          // each key present in the metadata with this value
};

// A glob as an RE2 pattern matching the same names (fnmatch(3) without flags: `*` and `?` match
// any character, `/` and a leading `.` included).
std::string glob_to_regex(std::string_view glob);

// A match from its parts. Throws std::invalid_argument with a short reason for a regular
// expression that does not compile (RE2 has no backreferences or lookaround), or for both a glob
// and a regular expression.
RoomMatch make_room_match(std::string name_glob, std::string name_regex,
                          boost::json::object metadata, bool ignore_case = false);

// Patterns that are valid but most likely in the wrong field: a regular expression written as a
// glob (`class-*`, where `*` repeats the `-`) or a glob written as a regular expression
// (`call-[0-9]+`, where `+` is a literal character). Both validate and then quietly match
// nothing of what was meant; the configuration warns about them.
bool looks_like_glob(std::string_view regex);
bool looks_like_regex(std::string_view glob);

struct Decision {
  std::optional<std::size_t> rule;  // index of the first rule that fits; nullopt: none
  // The metadata was needed by a rule but is not a JSON object: such rules never fit.
  bool metadata_unparsable = false;
};

Decision first_match(std::span<const RoomMatch> rules, std::string_view room_name,
                     std::string_view room_metadata);

}  // namespace ar::recording
