#include "recording/room_match.hpp"

#include <re2/re2.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

namespace ar::recording {
namespace {

// One bracket expression of a glob, from just after its `[`; returns where it ends (after `]`)
// or npos when it never closes (then the `[` is an ordinary character, as for fnmatch).
std::size_t bracket_to_regex(std::string_view glob, std::size_t at, std::string& out) {
  std::string set = "[";
  if (at < glob.size() && (glob[at] == '!' || glob[at] == '^')) {
    set += '^';
    ++at;
  }
  bool first = true;
  while (at < glob.size()) {
    const char c = glob[at];
    if (c == ']' && !first) {
      out += set + "]";
      return at + 1;
    }
    first = false;
    if (c == '[' && glob.substr(at).starts_with("[:")) {  // [:alpha:] and the like, as is
      const std::size_t end = glob.find(":]", at + 2);
      if (end == std::string_view::npos) return std::string_view::npos;
      set.append(glob.substr(at, end + 2 - at));
      at = end + 2;
      continue;
    }
    if (c == '\\' && at + 1 < glob.size()) ++at;  // an escaped character stands for itself
    const char literal = glob[at];
    if (literal == '-' && !set.ends_with('[') && !set.ends_with('^') && at + 1 < glob.size() &&
        glob[at + 1] != ']') {
      set += '-';  // a range
    } else {
      if (literal == '\\' || literal == ']' || literal == '[' || literal == '^' || literal == '-') {
        set += '\\';
      }
      set += literal;
    }
    ++at;
  }
  return std::string_view::npos;
}

std::shared_ptr<const re2::RE2> compile(const std::string& pattern, std::string_view what,
                                        bool ignore_case) {
  re2::RE2::Options options;
  options.set_case_sensitive(!ignore_case);
  options.set_log_errors(false);  // the message goes into the startup error instead
  options.set_never_capture(true);
  options.set_dot_nl(true);
  auto compiled = std::make_shared<const re2::RE2>(pattern, options);
  if (!compiled->ok()) {
    throw std::invalid_argument(std::string(what) +
                                " is not a regular expression RE2 accepts: " + compiled->error());
  }
  return compiled;
}

}  // namespace

std::string glob_to_regex(std::string_view glob) {
  std::string out;
  for (std::size_t at = 0; at < glob.size();) {
    const char c = glob[at];
    if (c == '*') {
      out += ".*";
      ++at;
    } else if (c == '?') {
      out += '.';
      ++at;
    } else if (c == '[') {
      const std::size_t end = bracket_to_regex(glob, at + 1, out);
      if (end == std::string_view::npos) {
        out += "\\[";
        ++at;
      } else {
        at = end;
      }
    } else {
      if (c == '\\' && at + 1 < glob.size()) ++at;
      out += re2::RE2::QuoteMeta(glob.substr(at, 1));
      ++at;
    }
  }
  return out;
}

RoomMatch make_room_match(std::string name_glob, std::string name_regex,
                          boost::json::object metadata, bool ignore_case) {
  if (!name_glob.empty() && !name_regex.empty()) {
    throw std::invalid_argument("give room or room_regex, not both");
  }
  RoomMatch match{std::move(name_glob), std::move(name_regex), ignore_case, nullptr,
                  std::move(metadata)};
  if (!match.name_regex.empty()) {
    match.name = compile(match.name_regex, "room_regex \"" + match.name_regex + "\"", ignore_case);
  } else if (!match.name_glob.empty()) {
    match.name =
        compile(glob_to_regex(match.name_glob), "room \"" + match.name_glob + "\"", ignore_case);
  }
  return match;
}

bool looks_like_glob(std::string_view regex) {
  // A `*` after an ordinary character, and no `.` anywhere: "class-*" means "class" followed by
  // any number of "-" as a regular expression; "class-.*" or "(a|b)*" are regexes all right.
  if (regex.find_first_of(".+(|{^$\\") != std::string_view::npos) return false;
  for (std::size_t i = 0; i < regex.size(); ++i) {
    if (regex[i] != '*') continue;
    if (i == 0) return true;
    const char before = regex[i - 1];
    if (std::string_view(")]}\\*+?").find(before) == std::string_view::npos) return true;
  }
  return false;
}

bool looks_like_regex(std::string_view glob) {
  // In a glob these are literal characters, which room names rarely hold; in a regular
  // expression they are its everyday syntax.
  for (std::string_view sign : {"+", "^", "$", "(", ")", "|", "{", ".*", ".+", "\\d", "\\w"}) {
    if (glob.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

Decision first_match(std::span<const RoomMatch> rules, std::string_view room_name,
                     std::string_view room_metadata) {
  Decision decision;
  if (rules.empty()) return decision;  // no policy: nothing to compare, nothing to allocate
  std::optional<boost::json::object> metadata;  // parsed when a rule first needs it
  bool parsed = false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RoomMatch& rule = rules[i];
    if (rule.name && !re2::RE2::FullMatch(room_name, *rule.name)) continue;
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

}  // namespace ar::recording
