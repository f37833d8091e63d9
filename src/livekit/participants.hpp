#pragma once
// Participants and their tracks, as LiveKit tells them: ParticipantInfo and TrackInfo in the
// participant_joined and track_published webhooks and in a ListParticipants answer. What
// `record: participants` and `record: tracks` record: a Subject, one participant session
// (participant sid) or one published track (track sid).
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/participant_kind.hpp"
#include "model/recording_kind.hpp"

namespace ar::livekit {

// TrackInfo: a published track. LiveKit's protojson leaves type AUDIO (0) out.
struct Track {
  std::string sid;
  bool audio = true;  // AUDIO; false: VIDEO
  bool data = false;  // DATA: nothing to record
};

// ParticipantInfo. LiveKit's protojson leaves kind STANDARD (0) out.
struct Participant {
  std::string sid;
  std::string identity;
  model::ParticipantKind kind = model::ParticipantKind::kStandard;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::int64_t joined_ms = 0;  // when it joined (joinedAtMs, else joinedAt); 0: not told
  std::vector<Track> tracks;   // as ListParticipants lists them
};

// What one participant's or one track's recording records.
struct Subject {
  model::RecordingKind kind = model::RecordingKind::kParticipant;  // or kTrack
  std::string sid;       // the participant sid, or the track sid
  std::string identity;  // the participant's; a track's publisher
  bool audio = false;    // a track's type: audio (true) or video
  // When the participant joined: a participant's recordings started before it belong to an
  // earlier session of the same identity. 0: not told.
  std::int64_t joined_ms = 0;

  bool is_track() const { return kind == model::RecordingKind::kTrack; }
  // How an egress's request names it (EgressInfo::subject): a track by its id, a participant by
  // its identity.
  const std::string& named() const { return is_track() ? sid : identity; }
  // "participant alice", "track TR_x of alice": for logs.
  std::string label() const;
};

Subject participant_subject(const Participant& participant);
Subject track_subject(const Participant& publisher, const Track& track);

// A ParticipantInfo or TrackInfo JSON object (lowerCamelCase or proto names); nullopt without a
// sid.
std::optional<Participant> read_participant(const boost::json::object& object);
std::optional<Track> read_track(const boost::json::object& object);

inline constexpr std::string_view kListParticipants = "livekit.RoomService/ListParticipants";

// ListParticipantsRequest{room}.
std::string list_participants_request(std::string_view room_name);

// A ListParticipantsResponse ("participants"); nullopt when it is not one.
std::optional<std::vector<Participant>> parse_participant_list(std::string_view text);

}  // namespace ar::livekit
