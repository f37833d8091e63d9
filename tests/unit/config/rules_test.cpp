// rules:, storages: and the recording settings: how they are read, merged and refused.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config/raw.hpp"

namespace ar::config {
namespace {

const EnvLookup kEnv = [](std::string_view name) -> std::optional<std::string> {
  if (name == "LIVEKIT_API_KEY") return "APIkey";
  if (name == "LIVEKIT_API_SECRET") return "secret";
  if (name == "STREAM_KEY") return "live-key-0123";
  return std::nullopt;
};

constexpr std::string_view kStorage = "storage:\n  s3: {bucket: main}\n";

Config load(std::string_view yaml) {
  return load_config_yaml(std::string(kStorage) + std::string(yaml), kEnv);
}

std::string error_of(std::string_view yaml, bool with_storage = true) {
  try {
    load_config_yaml((with_storage ? std::string(kStorage) : "") + std::string(yaml), kEnv);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(Rules, WithoutRulesEveryRoomGetsTheTopLevelSettings) {
  const Config c = load("layout: speaker\n");
  EXPECT_TRUE(c.rules.empty());
  EXPECT_EQ(c.recording.layout, "speaker");
  ASSERT_TRUE(c.recording.file);
  EXPECT_EQ(c.recording.file->path, "recordings/{room_name}-{time}");
  EXPECT_FALSE(c.recording.segments || c.recording.stream || c.recording.images);
  EXPECT_TRUE(c.recording.preset.empty());
}

// One reading of booleans: `record: 0` meant the same as AUDIO_ONLY=0 does (it was refused).
TEST(Rules, RecordTakesTheBooleansEverySettingTakes) {
  for (const char* word : {"false", "no", "off", "0", "False"}) {
    const Config c =
        load("rules:\n  - match: {room: lobby}\n    record: " + std::string(word) + "\n");
    ASSERT_EQ(c.rules.size(), 1U) << word;
    EXPECT_FALSE(c.rules[0].record) << word;
  }
  EXPECT_TRUE(
      load("rules:\n  - match: {room: x}\n    record: 1\n    audio_only: 1\n").rules[0].record);
  EXPECT_EQ(parse_bool("ON"), true);
  EXPECT_EQ(parse_bool("2"), std::nullopt);
  EXPECT_EQ(parse_bool(""), std::nullopt);
}

TEST(Rules, APatternInTheWrongFieldIsAWarningWithTheFix) {
  const Config config = load(
      "rules:\n"
      "  - match: {room_regex: \"class-*\"}\n    layout: speaker\n"
      "  - match: {room: \"call-[0-9]+\", ignore_case: true}\n    audio_only: true\n");
  ASSERT_EQ(config.warnings.size(), 2U);
  EXPECT_EQ(config.warnings[0],
            "rules[0]: match.room_regex \"class-*\" looks like a glob (in a regular expression * "
            "repeats the character before it): did you mean match.room: \"class-*\", or "
            "match.room_regex: \"class\\-.*\"?");
  EXPECT_EQ(config.warnings[1],
            "rules[1]: match.room \"call-[0-9]+\" looks like a regular expression (in a glob + ^ $ "
            "( ) | { } are ordinary characters): did you mean match.room_regex: \"call-[0-9]+\"?");
  EXPECT_TRUE(config.rules[1].match.ignore_case);
  EXPECT_TRUE(
      load("rules:\n  - match: {room: \"class-*\"}\n    layout: speaker\n").warnings.empty());
}

TEST(Rules, AreReadInOrderWithTheirMatches) {
  const Config c = load(R"(
rules:
  - name: lobby
    match: {room: lobby}
    record: false
  - match: {room_regex: "phone-[0-9]+", metadata: {kind: call, tier: 2, vip: true, id: "7"}}
    audio_only: true
  - record: no
)");
  ASSERT_EQ(c.rules.size(), 3U);
  EXPECT_EQ(c.rules[0].label, "rules[0] (lobby)");
  EXPECT_FALSE(c.rules[0].record);
  EXPECT_EQ(c.rules[0].match.name_glob, "lobby");
  EXPECT_EQ(c.rules[1].label, "rules[1]");
  EXPECT_EQ(c.rules[1].match.name_regex, "phone-[0-9]+");
  const auto& metadata = c.rules[1].match.metadata;
  EXPECT_EQ(metadata.at("kind").as_string(), "call");
  EXPECT_EQ(metadata.at("tier").as_int64(), 2) << "a plain YAML number is a JSON number";
  EXPECT_TRUE(metadata.at("vip").as_bool());
  EXPECT_EQ(metadata.at("id").as_string(), "7") << "a quoted YAML number stays a string";
  EXPECT_TRUE(c.rules[1].recording.audio_only);
  EXPECT_TRUE(c.rules[1].recording.layout.empty()) << "audio has no layout";
  EXPECT_FALSE(c.rules[2].record);
}

TEST(Rules, SettingsAreMergedOverTheTopLevel) {
  const Config c = load(R"(
layout: speaker
file_path: "top/{room_name}-{time}"
advanced: {width: 1280, height: 720}
segments: {filename_prefix: "hls/{room_name}", segment_duration: 4}
rules:
  - match: {room: "a-*"}
    file_type: ogg
    preset: H264_1080P_60
  - match: {room: "b-*"}
    segments: false
    file: false
    stream: {urls: ["rtmp://live.example.com/app/${STREAM_KEY}"]}
  - match: {room: "c-*"}
    segments: {playlist_name: "index.m3u8"}
)");
  const recording::Plan& a = c.rules[0].recording;
  EXPECT_EQ(a.layout, "speaker");
  EXPECT_EQ(a.file->type, recording::FileType::kOgg);
  EXPECT_EQ(a.file->path, "top/{room_name}-{time}");
  EXPECT_EQ(a.preset, "H264_1080P_60");
  EXPECT_FALSE(a.advanced) << "the rule's preset replaces the top level's advanced encoding";
  ASSERT_TRUE(a.segments);
  EXPECT_EQ(a.segments->segment_duration, 4U);

  const recording::Plan& b = c.rules[1].recording;
  EXPECT_FALSE(b.file);
  EXPECT_FALSE(b.segments);
  ASSERT_TRUE(b.stream);
  EXPECT_EQ(b.stream->protocol, "RTMP");
  EXPECT_EQ(b.stream->urls.at(0), "rtmp://live.example.com/app/live-key-0123");
  ASSERT_TRUE(b.advanced);
  EXPECT_EQ(b.advanced->width, 1280U);

  const recording::Plan& cc = c.rules[2].recording;
  ASSERT_TRUE(cc.segments);
  EXPECT_EQ(cc.segments->filename_prefix, "hls/{room_name}") << "key by key";
  EXPECT_EQ(cc.segments->playlist_name, "index.m3u8");
}

TEST(Rules, OutputsNameTheirStorage) {
  const Config c = load(R"(
storages:
  archive:
    gcp: {credentials_json: '{"type": "service_account"}', bucket: cold}
  tenant-a:
    azure: {account_name: acct, account_key: key, container_name: box}
rules:
  - match: {metadata: {tenant: a}}
    file_storage: tenant-a
    images: {capture_interval: 30, storage: archive}
)");
  ASSERT_EQ(c.storages.size(), 2U);
  EXPECT_EQ(recording::storage_name(c.storages.at("archive")), "gcp");
  EXPECT_EQ(std::get<recording::AzureStorage>(c.storages.at("tenant-a")).container_name, "box");
  EXPECT_EQ(c.rules[0].recording.file->storage, "tenant-a");
  EXPECT_EQ(c.rules[0].recording.images->storage, "archive");
  EXPECT_EQ(recording::storage_name(*c.storage), "s3");
}

TEST(Rules, TheDefaultStorageMayBeLeftOutWhenEveryOutputNamesOne) {
  const std::string storages = "storages:\n  only:\n    s3: {bucket: x}\n";
  const Config c = load_config_yaml(storages + "file_storage: only\n", kEnv);
  EXPECT_FALSE(c.storage);
  EXPECT_EQ(c.recording.file->storage, "only");
  EXPECT_EQ(error_of(storages + "rules:\n  - match: {room: a}\n    segments: {playlist_name: p}\n"
                                "file_storage: only\n",
                     false),
            "rules[0].segments has no storage: there is no default storage (storage:), so set "
            "rules[0].segments.storage to one of storages: only");
  EXPECT_EQ(error_of(storages, false),
            "the top level's file output has no storage: there is no default storage (storage:), "
            "so set file_storage to one of storages: only");
  EXPECT_EQ(error_of("", false).rfind("No storage provider configured: set one of storage.s3", 0),
            0U);
}

// docs/configuration.md: per-output storages work beside storage: egress, which is then the
// default (a scalar, where the other defaults are sections: it was read as none and refused).
TEST(Rules, NamedStoragesWorkBesideStorageEgress) {
  const Config c = load_config_yaml(
      "storage: egress\nstorages:\n  archive:\n    s3: {bucket: cold}\n"
      "rules:\n  - match: {room: a}\n    file_storage: archive\n",
      kEnv);
  ASSERT_TRUE(c.storage);
  EXPECT_EQ(recording::storage_name(*c.storage), "egress");
  EXPECT_EQ(c.recording.file->storage, "");
  EXPECT_EQ(c.rules[0].recording.file->storage, "archive");
}

TEST(Rules, StorageErrorsNameTheStorage) {
  EXPECT_EQ(error_of("storages:\n  a:\n    s3: {bucket: x}\n    gcp: {bucket: y}\n"),
            "storages.a: Only one storage provider can be configured, found s3, gcp: keep one, or "
            "give the other a name of its own");
  EXPECT_EQ(error_of("storages:\n  a: {}\n"),
            "storages.a: No storage provider configured: give one of s3, azure, gcp or alioss "
            "under it");
  EXPECT_EQ(error_of("storages:\n  a: s3\n"),
            "config.yaml:4: \"storages.a\" must be a mapping with one of s3, azure, gcp or alioss");
  EXPECT_EQ(error_of("storages:\n  a:\n    s3: {bukcet: x}\n"),
            "config.yaml:5: \"storages.a.s3.bukcet\" is not a known storage setting: did you mean "
            "\"storages.a.s3.bucket\"?");
  EXPECT_EQ(error_of("storages:\n  a:\n    s3: {region: x}\n"),
            "storages.a.s3.bucket is required for S3 storage: set it in the config file");
  EXPECT_EQ(error_of("segments: {storage: nope}\n"),
            "segments.storage: \"nope\" is not defined under storages: there is no storages: "
            "section; leave it empty for the default storage");
  EXPECT_EQ(error_of("storages:\n  a:\n    s3: {bucket: x}\nfile_storage: b\n"),
            "file_storage: \"b\" is not defined under storages: defined are a; leave it empty for "
            "the default storage");
}

TEST(Rules, EveryMistakeIsNamedWithTheRuleAndKey) {
  const std::map<std::string, std::string> cases{
      {"rules:\n  - match: {room: a}\n    layuot: grid\n",
       "config.yaml:5: \"rules[0].layuot\" is not a known rule setting (rules take match, record, "
       "name and the recording settings): did you mean \"rules[0].layout\"?"},
      {"rules:\n  - match: {room: a}\n    listen_port: 9000\n",
       "config.yaml:5: \"rules[0].listen_port\" is not a known rule setting (rules take match, "
       "record, name and the recording settings) (see docs/configuration.md)"},
      {"rules:\n  - match: {room: a}\n    preset: H264_4K\n",
       "rules[0].preset: \"H264_4K\" is not one of LiveKit's names: H264_720P_30, H264_720P_60, "
       "H264_1080P_30, H264_1080P_60, PORTRAIT_H264_720P_30, PORTRAIT_H264_720P_60, "
       "PORTRAIT_H264_1080P_30, PORTRAIT_H264_1080P_60, PASSTHROUGH"},
      {"rules:\n  - match: {room: a}\n    audio_mixing: stereo\n",
       "rules[0].audio_mixing: \"stereo\" is not one of LiveKit's names: DEFAULT_MIXING, "
       "DUAL_CHANNEL_AGENT, DUAL_CHANNEL_ALTERNATE"},
      {"rules:\n  - match: {room: a}\n    advanced: {video_codec: h265}\n",
       "rules[0].advanced.video_codec: \"h265\" is not one of LiveKit's names: H264_BASELINE, "
       "H264_MAIN, H264_HIGH, VP8"},
      {"rules:\n  - match: {room: a}\n    audio_only: true\n    layout: speaker\n",
       "rules[0].layout is set, but the recording is audio-only (rules[0].audio_only): audio has "
       "no layout; remove one of them"},
      {"rules:\n  - match: {room: a}\n    audio_only: true\n    video_only: true\n",
       "rules[0].audio_only and rules[0].video_only are both true: nothing would be recorded; "
       "choose one"},
      {"rules:\n  - match: {room: a}\n    audio_only: true\n    images: {capture_interval: 5}\n",
       "rules[0].images is set, but the recording is audio-only (rules[0].audio_only): there is "
       "no picture to take"},
      {"rules:\n  - match: {room: a}\n    preset: H264_720P_30\n    advanced: {width: 640}\n",
       "rules[0].preset and rules[0].advanced are both set: LiveKit takes one or the other; keep "
       "one"},
      {"rules:\n  - match: {room: a}\n    record: false\n    layout: speaker\n",
       "config.yaml:4: \"rules[0]\" has record: false and recording settings: a rule that skips "
       "rooms takes only match and name"},
      {"rules:\n  - match: {room: a}\n    record: maybe\n",
       "rules[0].record: \"maybe\" is not one of room, participants, tracks (or true, the same as "
       "room; or false to skip rooms)"},
      {"rules:\n  - match: {room: a}\n    record: [room, participant]\n",
       "rules[0].record: \"participant\" is not one of room, participants, tracks; did you mean "
       "participants? (or true, the same as room; or false to skip rooms)"},
      {"rules:\n  - match: {room: a}\n    record: participants\n    participants:\n"
       "      kinds: [standard, egress]\n",
       "rules[0].participants.kinds: egress is the hidden participant every egress adds to its "
       "room; recording it would start an egress per egress, so it never is"},
      {"rules:\n  - match: {room: a}\n    record: tracks\n    file: false\n"
       "    segments: {playlist_name: a.m3u8}\n",
       "rules[0] records participants or tracks, which are written to files, but file is false: "
       "turn the file output on (file_type, file_storage)"},
      {"rules:\n  - match: {room_regex: \"class-(\"}\n",
       "config.yaml:4: \"rules[0].match\" room_regex \"class-(\" is not a regular expression RE2 "
       "accepts: missing ): class-("},
      {"rules:\n  - match: {room: a, room_regex: b}\n",
       "config.yaml:4: \"rules[0].match\" give room or room_regex, not both"},
      {"rules:\n  - match: {name: a}\n",
       "config.yaml:4: \"rules[0].match.name\" is not a match key: use room, room_regex, "
       "ignore_case or metadata"},
      {"rules:\n  - match: {metadata: record}\n",
       "config.yaml:4: \"rules[0].match.metadata\" must be a mapping of keys to the values the "
       "room's metadata must hold"},
      {"rules:\n  - layout: speaker\n  - match: {room: a}\n    record: false\n",
       "config.yaml:4: \"rules[0]\" has no match, so it fits every room and the rules after it "
       "are never used: add a match, or move it to the end"},
      {"rules:\n  - match: {room: a}\n    file: false\n",
       "rules[0] records nothing: file is false and there is no segments, stream or images "
       "output; turn one on, or use record: false to skip rooms"},
      {"rules:\n  - match: {room: a}\n    file: false\n    file_type: ogg\n",
       "rules[0].file is false, but file_type, file_path or file_storage is set next to it: "
       "remove them, or turn the file output on"},
      {"rules:\n  - match: {room: a}\n    stream: {urls: [\"http://x/app/SECRETKEY\"]}\n",
       "rules[0].stream.urls: a URL does not start with rtmp://, rtmps:// or srt:// (URL not "
       "shown: it may hold a stream key)"},
      {"rules:\n  - match: {room: a}\n    stream: {urls: [\"rtmp://a/b/c\", \"srt://d:1\"]}\n",
       "rules[0].stream.urls mixes RTMP and SRT URLs: one stream output has one protocol; record "
       "to one of them"},
      {"rules:\n  - match: {room: a}\n    segments: {segment_duration: 0.5}\n",
       "rules[0].segments.segment_duration: \"0.5\" is not a whole number from 0 to 3600"},
      {"rules:\n  - match: {room: a}\n    custom_base_url: layouts.example.com\n",
       "rules[0].custom_base_url: \"layouts.example.com\" is not an http:// or https:// URL"},
      {"rules:\n  match: {room: a}\n",
       "config.yaml:4: \"rules\" must be a list of rules (- match: ...), tried in order"},
      {"rules:\n  - lobby\n",
       "config.yaml:4: \"rules[0]\" must be a mapping: match, then record or settings"},
      {"audio_only: true\nlayout: speaker\n",
       "layout (LAYOUT) is set, but the recording is audio-only (audio_only (AUDIO_ONLY)): audio "
       "has no layout; remove one of them"},
  };
  for (const auto& [yaml, message] : cases) EXPECT_EQ(error_of(yaml), message) << yaml;
}

TEST(Rules, AnAudioOnlyRuleDropsTheInheritedLayout) {
  const Config c = load("layout: speaker\nrules:\n  - match: {room: a}\n    audio_only: true\n");
  EXPECT_TRUE(c.rules[0].recording.layout.empty());
  EXPECT_EQ(c.recording.layout, "speaker");
}

TEST(Rules, StreamKeysNeverAppearInMessages) {
  const std::string message =
      error_of("stream: {urls: [\"rtmp://live.example.com/app/${STREAM_KEY}\", \"srt://x:1\"]}\n");
  EXPECT_NE(message.find("mixes RTMP and SRT"), std::string::npos);
  EXPECT_EQ(message.find("live-key-0123"), std::string::npos);
}

TEST(Rules, AFilePathWithoutTimeWarnsOncePerPath) {
  const Config c = load(
      "file_path: \"r/{room_name}\"\nrules:\n  - match: {room: a}\n    layout: speaker\n"
      "  - match: {room: b}\n    file_path: \"b/{room_name}\"\n");
  ASSERT_EQ(c.warnings.size(), 2U);
  EXPECT_EQ(c.warnings[0].rfind("file_path \"r/{room_name}\" has neither", 0), 0U);
  EXPECT_EQ(c.warnings[1].rfind("rules[1]: file_path \"b/{room_name}\"", 0), 0U);
}

}  // namespace
}  // namespace ar::config
