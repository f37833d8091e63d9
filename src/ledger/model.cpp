#include "ledger/model.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace ar::ledger {
namespace {

constexpr std::array<std::string_view, 6> kNames{"recording", "recorded", "partial",
                                                 "stopped",   "skipped",  "unrecorded"};

// Egress ends a room's recording as the room closes, and its egress_ended often arrives before
// room_finished: the recorder then sees a recording that ended while its room lived, and notes
// a stop on purpose. A recording that ended this close to the room's end ended with it.
constexpr std::int64_t kClosingMs = 10'000;

// Stopped on purpose while the room lived on (an end unknown, or well before the room's).
bool stopped_while_room_lived(const Recording& r, const Room& room) {
  if (!r.stopped_on_purpose) return false;
  if (room.finished_ms == 0 || r.ended_ms == 0) return true;
  return room.finished_ms - r.ended_ms > kClosingMs;
}

}  // namespace

bool recording_active(const Recording& r) {
  return r.closed_by.empty() && (r.status == "EGRESS_STARTING" || r.status == "EGRESS_ACTIVE" ||
                                 r.status == "EGRESS_ENDING");
}

bool recording_failed(const Recording& r) {
  return r.status == "EGRESS_FAILED" || r.status == "EGRESS_ABORTED" ||
         r.status == "EGRESS_LIMIT_REACHED";
}

bool recording_final(const Recording& r) {
  return r.status == "EGRESS_COMPLETE" || recording_failed(r);
}

bool recording_end_unknown(const Recording& r) {
  return !r.closed_by.empty() && !recording_final(r);
}

std::string status_names() {
  std::string out;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (i > 0) out += i + 1 == kNames.size() ? " or " : ", ";
    out += kNames.at(i);
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view to_string(Status status) {
  return kNames.at(static_cast<std::size_t>(status));
}

bool status_named(std::string_view name, Status& out) {
  const auto* found = std::find(kNames.begin(), kNames.end(), name);
  if (found == kNames.end()) return false;
  out = static_cast<Status>(found - kNames.begin());
  return true;
}

Status status_of(const Room& room) {
  if (room.decision == "skip") return Status::kSkipped;
  if (room.recordings.empty()) return Status::kUnrecorded;
  const bool lives = room.finished_ms == 0;
  if (std::any_of(room.recordings.begin(), room.recordings.end(), [](const Recording& r) {
        return recording_failed(r) || recording_end_unknown(r);
      })) {
    // A failure mid-room left a gap even when a restart followed; one after the room finished
    // may have cut the file short. A recording whose end LiveKit forgot before the ledger learned
    // it cannot be shown complete: someone has to look at its file.
    return Status::kPartial;
  }
  if (std::any_of(room.recordings.begin(), room.recordings.end(),
                  [&](const Recording& r) { return stopped_while_room_lived(r, room); })) {
    return Status::kStopped;
  }
  if (lives) {
    // Every recording ended while the room goes on: stopped, or about to close (egress ends a
    // recording when its room closes, sometimes just before room_finished arrives).
    const bool any_active =
        std::any_of(room.recordings.begin(), room.recordings.end(), recording_active);
    return any_active ? Status::kRecording : Status::kStopped;
  }
  return Status::kRecorded;
}

bool ended(const Room& room) {
  return room.finished_ms != 0 &&
         std::none_of(room.recordings.begin(), room.recordings.end(), recording_active);
}

double start_delay_seconds(const Room& room) {
  if (room.first_recording_ms == 0) return -1;
  return static_cast<double>(std::max<std::int64_t>(0, room.first_recording_ms - room.started_ms)) /
         1000.0;
}

}  // namespace ar::ledger
