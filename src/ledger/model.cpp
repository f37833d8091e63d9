#include "ledger/model.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace ar::ledger {

bool recording_active(const Recording& r) {
  return r.closed_by.empty() && model::is_active(r.status);
}

bool recording_end_unknown(const Recording& r) {
  return !r.closed_by.empty() && !model::is_final(r.status);
}

namespace {

// A duplicate this service stopped (recorder/duplicates.hpp) ends however egress ends a stopped
// start (complete, aborted, empty): it says nothing of the session, whose recording is the one
// kept. Every other recording counts.
bool counts(const Recording& r) {
  return r.duplicate_of.empty();
}

template <typename Test>
bool any_counted(const Session& room, Test test) {
  return std::any_of(room.recordings.begin(), room.recordings.end(),
                     [&](const Recording& r) { return counts(r) && test(r); });
}

}  // namespace

Status status_of(const Session& room) {
  if (room.decision == "skip") return Status::kSkipped;
  if (!any_counted(room, [](const Recording&) { return true; })) return Status::kUnrecorded;
  const bool lives = room.finished_ms == 0;
  if (any_counted(room, [](const Recording& r) {
        return model::is_failure(r.status) || recording_end_unknown(r);
      })) {
    // A failure mid-room left a gap even when a restart followed; one after the room finished
    // may have cut the file short. A recording whose end LiveKit forgot before the ledger learned
    // it cannot be shown complete: someone has to look at its file.
    return Status::kPartial;
  }
  // The recorder decided it once, where it happened: LiveKit listed the room after the
  // recording ended (recorder/memories.hpp, Stops).
  if (any_counted(room, [](const Recording& r) { return r.stopped_on_purpose; })) {
    return Status::kStopped;
  }
  if (lives) {
    // Every recording ended while the room goes on: stopped, or about to close (egress ends a
    // recording when its room closes, sometimes just before room_finished arrives).
    return any_counted(room, recording_active) ? Status::kRecording : Status::kStopped;
  }
  return Status::kRecorded;
}

bool ended(const Session& room) {
  return room.finished_ms != 0 &&
         std::none_of(room.recordings.begin(), room.recordings.end(), recording_active);
}

double start_delay_seconds(const Session& room) {
  if (room.first_recording_ms == 0) return -1;
  return static_cast<double>(std::max<std::int64_t>(0, room.first_recording_ms - room.started_ms)) /
         1000.0;
}

}  // namespace ar::ledger
