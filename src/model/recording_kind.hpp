#pragma once
// What an egress records, by the request that started it (livekit_egress.proto's request oneof,
// in its proto names). The recorder starts and keeps room composites; the others are the
// application's, listed but never taken for the room's recording.
#include <array>
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

enum class RecordingKind {
  kRoomComposite,   // the whole room: StartRoomCompositeEgress, or StartEgress with a template
  kParticipant,     // one participant's tracks
  kTrackComposite,  // one audio and one video track
  kTrack,           // one track, unencoded
  kWeb,             // a web page
  kOther,           // a request this build does not know (media, a newer LiveKit's)
};

inline constexpr NameTable<RecordingKind, 5> kRecordingKindNames{
    {"room_composite", "participant", "track_composite", "track", "web"}, "other"};

constexpr std::string_view to_string(RecordingKind kind) {
  return kRecordingKindNames.name(kind);
}

// The kinds this service records (record: room, participants, tracks), in the order a session
// shows them: the room's first.
inline constexpr std::array<RecordingKind, 3> kRecordedKinds{
    RecordingKind::kRoomComposite, RecordingKind::kParticipant, RecordingKind::kTrack};

// One participant's or one track's recording (record: participants, record: tracks).
constexpr bool is_subject(RecordingKind kind) {
  return kind == RecordingKind::kParticipant || kind == RecordingKind::kTrack;
}

}  // namespace ar::model
