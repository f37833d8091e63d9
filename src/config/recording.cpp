#include "config/recording.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <span>

#include "config/load.hpp"
#include "config/settings.hpp"

namespace ar::config {
namespace {

constexpr std::array<std::string_view, 3> kMixings{"DEFAULT_MIXING", "DUAL_CHANNEL_AGENT",
                                                   "DUAL_CHANNEL_ALTERNATE"};
constexpr std::array<std::string_view, 9> kPresets{
    "H264_720P_30",           "H264_720P_60",           "H264_1080P_30",
    "H264_1080P_60",          "PORTRAIT_H264_720P_30",  "PORTRAIT_H264_720P_60",
    "PORTRAIT_H264_1080P_30", "PORTRAIT_H264_1080P_60", "PASSTHROUGH"};
constexpr std::array<std::string_view, 3> kAudioCodecs{"OPUS", "AAC", "AC_MP3"};
constexpr std::array<std::string_view, 4> kVideoCodecs{"H264_BASELINE", "H264_MAIN", "H264_HIGH",
                                                       "VP8"};
constexpr std::array<std::string_view, 3> kFileKeys{"file_type", "file_path", "file_storage"};

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// One of LiveKit's enum names (any case), or empty for egress's default.
std::string read_enum(const Reader& in, std::string_view key,
                      std::span<const std::string_view> names) {
  std::string value = in.text(key);
  if (value.empty()) return value;
  std::string wanted = upper(value);
  if (std::find(names.begin(), names.end(), wanted) != names.end()) return wanted;
  std::string list;
  for (std::string_view name : names) list += (list.empty() ? "" : ", ") + std::string(name);
  throw ConfigError(in.name(key) + ": \"" + value + "\" is not one of LiveKit's names: " + list);
}

recording::FileType read_file_type(const Reader& in) {
  const std::string value = in.text("file_type");
  const std::string wanted = upper(value);
  if (wanted == "MP4") return recording::FileType::kMp4;
  if (wanted == "OGG") return recording::FileType::kOgg;
  if (wanted == "MP3") return recording::FileType::kMp3;
  if (wanted == "WEBM") {
    throw ConfigError(in.name("file_type") +
                      ": WEBM is not a LiveKit file type for room recordings (LiveKit writes WebM "
                      "only for track egress): use MP4, OGG or MP3");
  }
  throw ConfigError(in.name("file_type") + ": \"" + value +
                    "\" is not a LiveKit file type: use MP4, OGG or MP3");
}

std::uint32_t number(const Reader& in, std::string_view key, std::uint32_t max) {
  if (!in.get(key)) return 0;
  return static_cast<std::uint32_t>(in.integer(key, 0, max));
}

// A storage by name: empty is the default storage, which then has to exist.
std::string storage_ref(const Reader& in, std::string_view key, std::string_view output,
                        const recording::NamedStorages& storages, bool default_storage) {
  std::string name = in.text(key);
  std::string defined;
  for (const auto& [known, storage] : storages) defined += (defined.empty() ? "" : ", ") + known;
  if (name.empty() && !default_storage) {
    throw ConfigError(std::string(output) + " has no storage: there is no default storage " +
                      "(storage:), so set " + in.name(key) + " to one of storages: " + defined);
  }
  if (!name.empty() && !storages.contains(name)) {
    throw ConfigError(in.name(key) + ": \"" + name + "\" is not defined under storages:" +
                      (defined.empty() ? std::string(" there is no storages: section")
                                       : " defined are " + defined) +
                      (default_storage ? "; leave it empty for the default storage" : ""));
  }
  return name;
}

recording::Encoding read_encoding(const Reader& in) {
  recording::Encoding e;
  constexpr std::uint32_t kPixels = 7680;
  e.width = number(in, "advanced.width", kPixels);
  e.height = number(in, "advanced.height", kPixels);
  e.depth = number(in, "advanced.depth", 64);
  e.framerate = number(in, "advanced.framerate", 240);
  e.audio_codec = read_enum(in, "advanced.audio_codec", kAudioCodecs);
  e.audio_bitrate = number(in, "advanced.audio_bitrate", 1'000'000);
  e.audio_quality = number(in, "advanced.audio_quality", 100);
  e.audio_frequency = number(in, "advanced.audio_frequency", 192'000);
  e.video_codec = read_enum(in, "advanced.video_codec", kVideoCodecs);
  e.video_bitrate = number(in, "advanced.video_bitrate", 1'000'000);
  e.video_quality = number(in, "advanced.video_quality", 100);
  if (in.get("advanced.key_frame_interval")) {
    const std::string text = in.text("advanced.key_frame_interval");
    const char* last = text.data() + text.size();
    const auto [end, ec] =
        std::from_chars(text.data(), last, e.key_frame_interval, std::chars_format::fixed);
    if (ec != std::errc() || end != last || e.key_frame_interval < 0 ||
        e.key_frame_interval > 600) {
      throw ConfigError(in.name("advanced.key_frame_interval") + ": \"" + text +
                        "\" is not a number of seconds from 0 to 600, e.g. 2 or 0.5");
    }
  }
  return e;
}

recording::StreamOutput read_stream(const Reader& in) {
  recording::StreamOutput stream;
  const std::string key = "stream.urls";
  stream.urls = split_list(in.text(key));
  if (stream.urls.empty()) {
    throw ConfigError(in.name(key) + " is empty: give the RTMP(S) or SRT URLs to stream to");
  }
  for (const std::string& url : stream.urls) {
    // The URL itself is not shown: it usually carries the stream key.
    const std::string scheme = lower(url.substr(0, url.find("://")));
    std::string protocol;
    if (url.find("://") == std::string::npos) {
      protocol = "";
    } else if (scheme == "rtmp" || scheme == "rtmps") {
      protocol = "RTMP";
    } else if (scheme == "srt") {
      protocol = "SRT";
    }
    if (protocol.empty()) {
      throw ConfigError(in.name(key) +
                        ": a URL does not start with rtmp://, rtmps:// or srt:// "
                        "(URL not shown: it may hold a stream key)");
    }
    if (!stream.protocol.empty() && stream.protocol != protocol) {
      throw ConfigError(in.name(key) +
                        " mixes RTMP and SRT URLs: one stream output has one "
                        "protocol; record to one of them");
    }
    stream.protocol = protocol;
  }
  return stream;
}

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
  for (const std::string& section : top.sections) {
    if (is_recording_setting(section + ".") && keep(section + ".")) merged.sections.insert(section);
  }
  merged.sections.insert(own.sections.begin(), own.sections.end());
  return merged;
}

}  // namespace

recording::Recording read_recording(const Reader& in, const Reader& own,
                                    const recording::NamedStorages& storages,
                                    bool default_storage) {
  recording::Recording r;
  r.audio_only = in.boolean("audio_only");
  r.video_only = in.boolean("video_only");
  if (r.audio_only && r.video_only) {
    throw ConfigError(in.name("audio_only") + " and " + in.name("video_only") +
                      " are both true: nothing would be recorded; choose one");
  }
  if (r.audio_only && own.get("layout")) {
    throw ConfigError(in.name("layout") + " is set, but the recording is audio-only (" +
                      in.name("audio_only") + "): audio has no layout; remove one of them");
  }
  if (!r.audio_only) r.layout = in.text("layout");
  r.audio_mixing = read_enum(in, "audio_mixing", kMixings);
  r.custom_base_url = in.text("custom_base_url");
  if (!r.custom_base_url.empty() && !r.custom_base_url.starts_with("http://") &&
      !r.custom_base_url.starts_with("https://")) {
    throw ConfigError(in.name("custom_base_url") + ": \"" + r.custom_base_url +
                      "\" is not an http:// or https:// URL");
  }
  r.preset = read_enum(in, "preset", kPresets);
  if (in.section_present("advanced")) {
    if (!r.preset.empty()) {
      throw ConfigError(in.name("preset") + " and " + in.name("advanced") +
                        " are both set: LiveKit takes one or the other; keep one");
    }
    r.advanced = read_encoding(in);
  }

  const bool file_keys_here = std::any_of(kFileKeys.begin(), kFileKeys.end(),
                                          [&](std::string_view key) { return own.get(key); });
  bool file = in.boolean("file");
  if (own.get("file") && !file && file_keys_here) {
    throw ConfigError(in.name("file") + " is false, but file_type, file_path or file_storage " +
                      "is set next to it: remove them, or turn the file output on");
  }
  if (!own.get("file") && file_keys_here) file = true;  // a rule's file_path brings the file back
  const std::string scope = in.scoped() ? in.name("") : std::string("the top level");
  const std::string where = in.scoped() ? scope.substr(0, scope.size() - 1) : scope;
  if (file) {
    r.file = recording::FileOutput{
        read_file_type(in), in.text("file_path"),
        storage_ref(in, "file_storage", where + "'s file output", storages, default_storage)};
  }
  auto wanted = [&](std::string_view output) {
    return in.section_present(output) && !in.switched_off(output);
  };
  if (wanted("segments")) {
    r.segments = recording::SegmentsOutput{
        in.text("segments.filename_prefix"), in.text("segments.playlist_name"),
        in.text("segments.live_playlist_name"), number(in, "segments.segment_duration", 3600),
        storage_ref(in, "segments.storage", in.name("segments"), storages, default_storage)};
  }
  if (wanted("stream")) r.stream = read_stream(in);
  if (wanted("images")) {
    if (r.audio_only) {
      throw ConfigError(in.name("images") + " is set, but the recording is audio-only (" +
                        in.name("audio_only") + "): there is no picture to take");
    }
    r.images = recording::ImagesOutput{
        number(in, "images.capture_interval", 86400), number(in, "images.width", 7680),
        number(in, "images.height", 7680), in.text("images.filename_prefix"),
        storage_ref(in, "images.storage", in.name("images"), storages, default_storage)};
  }
  if (!r.file && !r.segments && !r.stream && !r.images) {
    throw ConfigError(where + " records nothing: file is false and there is no segments, " +
                      "stream or images output; turn one on, or use record: false to skip rooms");
  }
  return r;
}

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
                       .own_keys = {"match", "record", "name"},
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
    if (const YAML::Node record = item["record"]; record.IsDefined()) {
      rule.record = read_bool(reader, "record", record);
    }
    const bool settings = !own.values.empty() || !own.sections.empty() || !own.switched_off.empty();
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
