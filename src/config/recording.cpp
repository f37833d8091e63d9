#include "config/recording.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <span>

#include "config/error.hpp"
#include "config/settings.hpp"
#include "util/text.hpp"

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
  throw ConfigError(in.name(key) + ": \"" + value +
                    "\" is not one of LiveKit's names: " + util::join(names, ", "));
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
  const std::string defined = util::join(
      storages, ", ", [](const auto& entry) -> const std::string& { return entry.first; });
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

// One word of a list setting, or a clear error with the nearest word when it is a near miss.
std::string_view one_of(const Reader& in, std::string_view key, const std::string& word,
                        std::span<const std::string_view> words, std::string_view hint = {}) {
  for (std::string_view known : words) {
    if (known == word) return known;
  }
  std::string message =
      in.name(key) + ": \"" + word + "\" is not one of " + util::join(words, ", ");
  for (std::string_view known : words) {
    if (util::edit_distance(word, known) <= 2) {
      message += "; did you mean " + std::string(known) + "?";
      break;
    }
  }
  throw ConfigError(message + std::string(hint));
}

// `record:`: true or room, participants, tracks, a list of them, or false.
recording::Kinds read_kinds(const Reader& in) {
  const std::vector<std::string> words = split_list(in.text("record"));
  recording::Kinds kinds{.room = false};
  if (words.size() == 1) {
    if (const auto yes = parse_bool(lower(words.front()))) {
      kinds.room = *yes;
      return kinds;
    }
  }
  static constexpr std::array<std::string_view, 3> kWords{"room", "participants", "tracks"};
  for (const std::string& word : words) {
    const std::string_view kind = one_of(in, "record", lower(word), kWords,
                                         " (or true, the same as room; or false to skip rooms)");
    kinds.room = kinds.room || kind == "room";
    kinds.participants = kinds.participants || kind == "participants";
    kinds.tracks = kinds.tracks || kind == "tracks";
  }
  if (kinds.none()) {
    throw ConfigError(in.name("record") +
                      " is empty: say what to record (room, participants, tracks), or false");
  }
  return kinds;
}

// Which participants and tracks, and where their files go.
recording::SubjectOutputs read_subjects(const Reader& in) {
  recording::SubjectOutputs out;
  out.participants.identity = in.text("participants.identity");
  out.participants.kinds.clear();
  static constexpr std::array<std::string_view, 4> kKinds{"standard", "ingress", "sip", "agent"};
  for (const std::string& word : split_list(in.text("participants.kinds"))) {
    const std::string name = lower(word);
    if (name == "egress") {
      throw ConfigError(in.name("participants.kinds") +
                        ": egress is the hidden participant every egress adds to its room; "
                        "recording it would start an egress per egress, so it never is");
    }
    const std::string_view kind = one_of(in, "participants.kinds", name, kKinds);
    out.participants.kinds.push_back(*model::kParticipantKindNames.named(kind));
  }
  if (out.participants.kinds.empty()) {
    throw ConfigError(in.name("participants.kinds") +
                      " is empty: list the kinds to record (standard, ingress, sip, agent)");
  }
  for (const auto& [name, value] : in.map("participants.attributes")) {
    out.participants.attributes.emplace_back(name, value);
  }
  out.participant_file_path = in.text("participants.file_path");
  out.audio_tracks = out.video_tracks = false;
  static constexpr std::array<std::string_view, 2> kTypes{"audio", "video"};
  for (const std::string& word : split_list(in.text("tracks.types"))) {
    const std::string_view type = one_of(in, "tracks.types", lower(word), kTypes);
    (type == "audio" ? out.audio_tracks : out.video_tracks) = true;
  }
  if (!out.audio_tracks && !out.video_tracks) {
    throw ConfigError(in.name("tracks.types") + " is empty: use audio, video, or both");
  }
  out.track_file_path = in.text("tracks.file_path");
  return out;
}

}  // namespace

recording::Plan read_recording(const Reader& in, const Reader& own,
                               const recording::NamedStorages& storages, bool default_storage) {
  recording::Plan r;
  r.record = read_kinds(in);
  r.subjects = read_subjects(in);
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
  if (r.record.subjects() && !r.file) {
    throw ConfigError(where + " records participants or tracks, which are written to files, " +
                      "but file is false: turn the file output on (file_type, file_storage)");
  }
  if (!r.file && !r.segments && !r.stream && !r.images) {
    throw ConfigError(where + " records nothing: file is false and there is no segments, " +
                      "stream or images output; turn one on, or use record: false to skip rooms");
  }
  return r;
}

}  // namespace ar::config
