#pragma once
// Egress requests: the StartRoomCompositeEgress and StartEgress requests we send (protobuf JSON
// field names) and ListEgress. What LiveKit answers is read by livekit/egress_info.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "recording/recording.hpp"
#include "recording/storage.hpp"

namespace ar::livekit {

// The storages outputs may name: "" is the default one.
struct RequestStorages {
  const std::optional<recording::Storage>& fallback;
  const recording::NamedStorages& named;
};

// A RoomCompositeEgressRequest for room_name with the recording's outputs (file_outputs,
// segment_outputs, stream_outputs, image_outputs), each uploading to its storage. Fields left
// empty in the config are left out, as protobuf JSON does.
std::string room_composite_request(std::string_view room_name, const recording::Plan& recording,
                                   const RequestStorages& storages);

// Whether the unified StartEgress can say everything the plan asks: its template source has no
// audio_mixing, so a plan that sets it is always started with StartRoomCompositeEgress.
bool unified_expresses(const recording::Plan& recording);

// The same recording as a unified StartEgressRequest (livekit-server 1.13.2+): a template source,
// the encoding, and one Output per output with its StorageConfig beside it.
std::string unified_room_request(std::string_view room_name, const recording::Plan& recording,
                                 const RequestStorages& storages);

// One participant's recording (record: participants): a ParticipantEgressRequest for its
// identity, or the unified StartEgressRequest with a media source of its video and audio, each
// writing the room's file output (type, storage) at the participants' file path. The plan has a
// file output (loading makes sure).
std::string participant_request(std::string_view room_name, const recording::Plan& recording,
                                std::string_view identity, const RequestStorages& storages);
std::string unified_participant_request(std::string_view room_name,
                                        const recording::Plan& recording, std::string_view identity,
                                        const RequestStorages& storages);

// One track's recording (record: tracks): a TrackEgressRequest writing the track as published
// (no re-encoding) to the tracks' file path, uploaded to the file output's storage. The unified
// API has no such output (its media source encodes), so tracks always use StartTrackEgress.
std::string track_request(std::string_view room_name, const recording::Plan& recording,
                          std::string_view track_id, const RequestStorages& storages);

// The request as --check-config shows it: storage secrets and stream keys replaced.
std::string redact_request(std::string_view request);

// "rtmps://live.example.com/app/<redacted>": scheme, host and the first path segment are kept.
std::string redact_stream_url(std::string_view url);

inline constexpr std::string_view kStartRoomComposite = "livekit.Egress/StartRoomCompositeEgress";
inline constexpr std::string_view kStartEgress = "livekit.Egress/StartEgress";
inline constexpr std::string_view kStartParticipant = "livekit.Egress/StartParticipantEgress";
inline constexpr std::string_view kStartTrack = "livekit.Egress/StartTrackEgress";
inline constexpr std::string_view kListEgress = "livekit.Egress/ListEgress";
inline constexpr std::string_view kStopEgress = "livekit.Egress/StopEgress";

// StopEgressRequest{egress_id}.
std::string stop_egress_request(std::string_view egress_id);

// ListEgressRequest{room_name, active}.
std::string list_egress_request(std::string_view room_name, bool active);

}  // namespace ar::livekit
