// `rules:`: each rule's match, and its recording settings merged over the top level's.
#include "config/rules.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "config/error.hpp"
#include "config/recording.hpp"
#include "config/settings.hpp"

namespace ar::config {
namespace {

// A YAML value as the JSON the application would write in room metadata: plain true, false,
// null and numbers are JSON's; quoted scalars stay strings.
boost::json::value yaml_to_json(const YAML::Node& node) {
  if (node.IsSequence()) {
    boost::json::array out;
    for (const auto& item : node) out.push_back(yaml_to_json(item));
    return out;
  }
  if (node.IsMap()) {
    boost::json::object out;
    for (const auto& item : node) out[item.first.Scalar()] = yaml_to_json(item.second);
    return out;
  }
  if (node.IsNull()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return boost::json::string(text);  // quoted
  const std::string word = lower(text);
  if (word == "true" || word == "false") return word == "true";
  if (word == "null" || word == "~") return nullptr;
  std::int64_t integer = 0;
  if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
      ec == std::errc() && end == text.data() + text.size()) {
    return integer;
  }
  double real = 0;
  if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), real);
      ec == std::errc() && end == text.data() + text.size()) {
    return real;
  }
  return boost::json::string(text);
}

bool read_bool(const YamlReader& reader, const std::string& key, const YAML::Node& node) {
  if (const auto value = node.IsScalar() ? parse_bool(node.Scalar()) : std::nullopt) return *value;
  reader.fail(key, node, "must be true or false");
}

recording::RoomMatch read_match(const YamlReader& reader, const YAML::Node& node,
                                const std::string& label, std::vector<std::string>& warnings) {
  if (!node.IsDefined() || node.IsNull()) return {};
  if (!node.IsMap()) {
    reader.fail("match", node, "must be a mapping: room, room_regex, ignore_case, metadata");
  }
  std::string glob;
  std::string regex;
  bool ignore_case = false;
  boost::json::object metadata;
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    const std::string path = "match." + key;
    if (key == "room" || key == "room_regex") {
      if (!item.second.IsScalar() || item.second.Scalar().empty()) {
        reader.fail(path, item.second, "must be a room name pattern");
      }
      (key == "room" ? glob : regex) = item.second.Scalar();
    } else if (key == "ignore_case") {
      ignore_case = read_bool(reader, path, item.second);
    } else if (key == "metadata") {
      if (!item.second.IsMap() || item.second.size() == 0) {
        reader.fail(path, item.second,
                    "must be a mapping of keys to the values the room's metadata must hold");
      }
      metadata = yaml_to_json(item.second).as_object();
    } else {
      reader.fail(path, item.first,
                  "is not a match key: use room, room_regex, ignore_case or metadata");
    }
  }
  if (recording::looks_like_glob(regex)) {
    warnings.push_back(label + ": match.room_regex \"" + regex +
                       "\" looks like a glob (in a regular expression * repeats the character "
                       "before it): did you mean match.room: \"" +
                       regex + "\", or match.room_regex: \"" + recording::glob_to_regex(regex) +
                       "\"?");
  }
  if (recording::looks_like_regex(glob)) {
    warnings.push_back(label + ": match.room \"" + glob +
                       "\" looks like a regular expression (in a glob + ^ $ ( ) | { } are "
                       "ordinary characters): did you mean match.room_regex: \"" +
                       glob + "\"?");
  }
  try {
    return recording::make_room_match(std::move(glob), std::move(regex), std::move(metadata),
                                      ignore_case);
  } catch (const std::invalid_argument& e) {
    reader.fail("match", node, e.what());
  }
}

// The top level's recording settings with a rule's own on top. A rule that sets one of preset
// and advanced drops the other; `segments: false` drops the inherited output.
RawSettings merge(const RawSettings& top, const RawSettings& own) {
  RawSettings merged;
  auto keep = [&](std::string_view key) {
    const bool encoding = key == "preset" || key.starts_with("advanced.") || key == "advanced";
    const bool own_encoding =
        own.values.contains("preset") ||
        std::any_of(own.values.begin(), own.values.end(),
                    [](const auto& entry) { return entry.first.starts_with("advanced."); });
    if (encoding && own_encoding) return false;
    return std::none_of(own.switched_off.begin(), own.switched_off.end(),
                        [&](const std::string& off) { return key.starts_with(off + "."); });
  };
  for (const auto& [key, value] : top.values) {
    if (!is_recording_setting(key) || !keep(key)) continue;
    // `record: false` at the top level skips the rooms no rule fits; a rule that fits records.
    if (key == "record" && parse_bool(lower(value)) == false) continue;
    merged.values[key] = value;
    merged.origins[key] = top.origins.at(key);
  }
  for (const std::string& section : top.switched_off) {
    if (!own.sections.contains(section)) merged.switched_off.insert(section);
  }
  for (const std::string& section : own.switched_off) merged.switched_off.insert(section);
  for (const auto& [key, value] : own.values) {
    merged.values[key] = value;
    merged.origins[key] = own.origins.at(key);
  }
  for (const auto& [key, map] : top.maps) {
    if (is_recording_setting(key) && keep(key)) merged.maps[key] = map;
  }
  for (const auto& [key, map] : own.maps) merged.maps[key] = map;
  for (const std::string& section : top.sections) {
    if (is_recording_setting(section + ".") && keep(section + ".")) merged.sections.insert(section);
  }
  merged.sections.insert(own.sections.begin(), own.sections.end());
  return merged;
}

}  // namespace

std::vector<recording::Rule> read_rules(const YAML::Node& node, const RawSettings& top,
                                        const std::string& file, const EnvLookup& env,
                                        const recording::NamedStorages& storages,
                                        bool default_storage, std::vector<std::string>& warnings) {
  std::vector<recording::Rule> rules;
  if (!node.IsDefined() || node.IsNull()) return rules;
  RawSettings unused;
  const YamlReader outer({.file = file, .shown = "rules"}, env, unused);
  if (!node.IsSequence()) {
    outer.fail("", node, "must be a list of rules (- match: ...), tried in order");
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string label = "rules[" + std::to_string(i) + "]";
    RawSettings own;
    YamlReader reader({.file = file,
                       .shown = label + ".",
                       .allowed = is_recording_setting,
                       .own_keys = {"match", "name"},
                       .kind = "rule setting (rules take match, record, name and the "
                               "recording settings)"},
                      env, own);
    if (!item.IsMap()) reader.fail("", item, "must be a mapping: match, then record or settings");
    reader.read_mapping(item, "");
    read_yaml_secret_files(file, own);
    recording::Rule rule;
    rule.label = label;
    if (const YAML::Node name = item["name"]; name.IsDefined()) {
      if (!name.IsScalar()) reader.fail("name", name, "must be a short text");
      rule.label += " (" + name.Scalar() + ")";
    }
    rule.match = read_match(reader, item["match"], rule.label, warnings);
    if (const auto record = own.values.find("record"); record != own.values.end()) {
      rule.record = parse_bool(lower(record->second)) != false;
    }
    const bool settings = own.values.size() > (own.values.contains("record") ? 1U : 0U) ||
                          !own.maps.empty() || !own.sections.empty() || !own.switched_off.empty();
    if (!rule.record && settings) {
      reader.fail("", item,
                  "has record: false and recording settings: a rule that skips rooms takes only "
                  "match and name");
    }
    const recording::RoomMatch& m = rule.match;
    if (m.name_glob.empty() && m.name_regex.empty() && m.metadata.empty() && i + 1 < node.size()) {
      reader.fail("", item,
                  "has no match, so it fits every room and the rules after it are never used: "
                  "add a match, or move it to the end");
    }
    if (rule.record) {
      const std::string shown = label + ".";
      const RawSettings merged = merge(top, own);
      rule.recording = read_recording(Reader(merged, "", shown), Reader(own, "", shown), storages,
                                      default_storage);
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace ar::config
