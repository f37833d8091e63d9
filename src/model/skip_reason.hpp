#pragma once
// Why a room was not started: the reason label of recordings_skipped_total, and of the log line
// that says so.
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

enum class SkipReason {
  kAlreadyRecording,  // LiveKit lists an active recording of the session
  kDuplicateEvent,    // this webhook was handled before (here, or by another replica)
  kDuplicateRoom,     // this session's room_started was handled before
  kRoomFinished,      // the session finished already
  kRestartLimit,      // the room's restarts in the last hour reached the limit
  kClaimedElsewhere,  // another replica holds the room's claim
  kRule,              // the recording policy says not to record the room
  kStoppedOnPurpose,  // the session's recording was stopped on purpose
};

inline constexpr NameTable<SkipReason, 8> kSkipReasonNames{
    {"already_recording", "duplicate_event", "duplicate_room", "room_finished", "restart_limit",
     "claimed_elsewhere", "rule", "stopped_on_purpose"},
    "other"};

constexpr std::string_view to_string(SkipReason reason) {
  return kSkipReasonNames.name(reason);
}

}  // namespace ar::model
