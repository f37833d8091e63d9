#pragma once
// Two recordings of one room session, both running, cost twice and help nobody: LiveKit's own
// auto-egress started around room_started, another deployment, an application, or a start whose
// ListEgress check ran before LiveKit listed the other. The oldest is kept, and of the others
// only those this service started are stopped: never one it did not start. Pure policy; the
// recorder asks it (recorder/heal.cpp).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "livekit/egress_info.hpp"

namespace ar::recorder {

struct Healing {
  std::string keep;               // the oldest recording of the session
  std::vector<std::string> stop;  // ours, besides it
};

// Of `egresses` (what ListEgress says of a room), the recordings of session `room_sid` that run
// (room composites, starting or active, that write files: one that only streams is not a
// recording, one ending is on its way out), the one kept is the oldest active one (else the
// oldest starting; by egress's start time, one without counts as newest; ties by id); `ours`
// tells which of the others this service started. Nothing to stop when fewer than two run.
Healing heal(const std::vector<livekit::EgressInfo>& egresses, std::string_view room_sid,
             const std::function<bool(const std::string& egress_id)>& ours);

}  // namespace ar::recorder
