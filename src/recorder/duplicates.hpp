#pragma once
// Two recordings of one thing, both running, cost twice and help nobody: LiveKit's own
// auto-egress started around room_started (or a participant's first track), another deployment,
// an application, or a start whose ListEgress check ran before LiveKit listed the other. The
// oldest is kept, and of the others only those this service started are stopped: never one it
// did not start. Pure policy; the recorder asks it (recorder/heal.cpp).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livekit/egress_info.hpp"

namespace ar::recorder {

struct Healing {
  std::string keep;               // the oldest recording of the room, participant or track
  std::vector<std::string> stop;  // ours, besides it
};

// When the participant of this identity joined the room session, as ListParticipants lists it
// now (0: not told); nullopt when it is not in the room.
using JoinedAt = std::function<std::optional<std::int64_t>(const std::string& identity)>;

// Of `egresses` (what ListEgress says of a room), the recordings of session `room_sid` that run
// (starting or active, writing files: one that only streams is not a recording, one ending is on
// its way out), by what they record: the room (composites), each participant (by identity), each
// track (by id). Where two or more run, the one kept is the oldest active one (else the oldest
// starting; by egress's start time, one without counts as newest; ties by id); `ours` tells which
// of the others this service started. A participant's recordings are looked at only with
// `joined`: one that started before its participant joined records an earlier session of the
// same identity (a rejoin) and ends by itself, so it is neither kept nor a reason to stop; one
// whose participant left is left alone. One Healing per thing two or more record (its `stop`
// empty when none but the kept one is ours); none when nothing is recorded twice.
std::vector<Healing> heal(const std::vector<livekit::EgressInfo>& egresses,
                          std::string_view room_sid,
                          const std::function<bool(const std::string& egress_id)>& ours,
                          const JoinedAt* joined = nullptr);

// Two or more recordings of one participant run in the session: heal() needs `joined` for them.
bool participants_doubled(const std::vector<livekit::EgressInfo>& egresses,
                          std::string_view room_sid);

}  // namespace ar::recorder
