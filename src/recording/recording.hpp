#pragma once
// How one room is recorded: outputs (file, HLS segments, streams, thumbnails), layout and
// encoding. Plain data that config fills in and livekit/egress.hpp turns into a request.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/participant_kind.hpp"

namespace ar::recording {

// What a rule records (`record:`): the room as a composite, each participant session, each
// published track; any combination. None of them: the rule skips the room.
struct Kinds {
  bool room = true;
  bool participants = false;
  bool tracks = false;

  bool none() const { return !room && !participants && !tracks; }
  bool subjects() const { return participants || tracks; }
};

// Which participants `record: participants` records: every one whose identity fits the glob
// (fnmatch(3); empty: any), whose kind is listed, and whose attributes hold every pair. The
// egress's own participant (kind egress) never is.
struct ParticipantFilter {
  std::string identity;
  std::vector<model::ParticipantKind> kinds{
      model::ParticipantKind::kStandard, model::ParticipantKind::kIngress,
      model::ParticipantKind::kSip, model::ParticipantKind::kAgent};
  std::vector<std::pair<std::string, std::string>> attributes;

  using Attributes = std::vector<std::pair<std::string, std::string>>;
  bool matches(std::string_view participant_identity, model::ParticipantKind kind,
               const Attributes& participant_attributes) const;
};

// Which published tracks `record: tracks` records, and where each participant's or track's file
// goes (egress expands {publisher_identity} and {track_id} besides the room's tokens).
struct SubjectOutputs {
  ParticipantFilter participants;
  bool audio_tracks = true;
  bool video_tracks = true;
  std::string participant_file_path;
  std::string track_file_path;
};

// LiveKit's EncodedFileType names for file outputs (there is no WEBM for room composites).
enum class FileType { kMp4, kOgg, kMp3 };

// Each output names its storage: empty is the default storage (`storage:`), anything else a key
// of `storages:` (checked when loading).
struct FileOutput {
  FileType type = FileType::kMp4;
  std::string path;
  std::string storage;
};

struct SegmentsOutput {  // HLS
  std::string filename_prefix;
  std::string playlist_name;
  std::string live_playlist_name;
  std::uint32_t segment_duration = 0;  // seconds; 0: egress's default
  std::string storage;
};

struct StreamOutput {
  std::string protocol;  // "RTMP" or "SRT", from the URLs' scheme
  std::vector<std::string> urls;
};

struct ImagesOutput {                  // thumbnails
  std::uint32_t capture_interval = 0;  // seconds
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::string filename_prefix;
  std::string storage;
};

// LiveKit's EncodingOptions: 0 and empty leave egress's default.
struct Encoding {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t depth = 0;
  std::uint32_t framerate = 0;
  std::string audio_codec;
  std::uint32_t audio_bitrate = 0;
  std::uint32_t audio_quality = 0;
  std::uint32_t audio_frequency = 0;
  std::string video_codec;
  std::uint32_t video_bitrate = 0;
  std::uint32_t video_quality = 0;
  double key_frame_interval = 0;
};

// How one room is recorded: the top level's settings, or a rule's merged over them.
struct Plan {
  Kinds record;
  SubjectOutputs subjects;  // with record: participants or tracks
  std::string layout;       // empty when audio-only
  bool audio_only = false;
  bool video_only = false;
  std::string audio_mixing;  // AudioMixing name; empty: egress's default
  std::string custom_base_url;
  std::string preset;                // EncodingOptionsPreset name; empty: egress's default
  std::optional<Encoding> advanced;  // never together with preset
  std::optional<FileOutput> file;
  std::optional<SegmentsOutput> segments;
  std::optional<StreamOutput> stream;
  std::optional<ImagesOutput> images;
};

std::string_view to_string(FileType type);

}  // namespace ar::recording
