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

bool asks_for(const Session& room, model::RecordingKind kind) {
  if (room.decision == "skip") return false;
  if (room.asked.empty()) return kind == model::RecordingKind::kRoomComposite;
  const std::string_view name = model::to_string(kind);
  std::string_view rest = room.asked;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    if (rest.substr(0, comma) == name) return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

namespace {

// A duplicate this service stopped (recorder/duplicates.hpp) ends however egress ends a stopped
// start (complete, aborted, empty): it says nothing of the session, whose recording is the one
// kept. Nor does a recording of a kind the rule did not ask for (an application's participant
// egress in a room recorded as a composite): the ledger keeps and shows it, and it counts for
// nothing. Every other recording counts.
bool counts(const Session& room, const Recording& r) {
  return r.duplicate_of.empty() && asks_for(room, r.kind);
}

template <typename Test>
bool any_counted(const Session& room, Test test) {
  return std::any_of(room.recordings.begin(), room.recordings.end(),
                     [&](const Recording& r) { return counts(room, r) && test(r); });
}

bool composite(const Recording& r) {
  return r.kind == model::RecordingKind::kRoomComposite;
}

}  // namespace

Status status_of(const Session& room) {
  if (room.decision == "skip") return Status::kSkipped;
  const bool lives = room.finished_ms == 0;
  const bool composite_asked = asks_for(room, model::RecordingKind::kRoomComposite);
  if (!any_counted(room, [](const Recording&) { return true; })) {
    // A rule that records only participants or tracks, in a room where nobody published (yet):
    // nothing was there to record, and nothing is missing.
    if (room.decision == "record" && !composite_asked && room.missing.empty()) {
      return lives ? Status::kRecording : Status::kRecorded;
    }
    return Status::kUnrecorded;
  }
  if (any_counted(room, [](const Recording& r) {
        return model::is_failure(r.status) || recording_end_unknown(r);
      })) {
    // A failure mid-room left a gap even when a restart followed; one after the room finished
    // may have cut the file short. A recording whose end LiveKit forgot before the ledger learned
    // it cannot be shown complete: someone has to look at its file.
    return Status::kPartial;
  }
  // Something the rule asked for is missing: a participant or track whose recording did not
  // start, or the room's composite while its participants are recorded.
  if (!room.missing.empty() || (composite_asked && !any_counted(room, composite))) {
    return Status::kPartial;
  }
  // The recorder decided it once, where it happened: LiveKit listed the room after the
  // recording ended (recorder/memories.hpp, Stops).
  if (any_counted(room, [](const Recording& r) { return r.stopped_on_purpose; })) {
    return Status::kStopped;
  }
  if (lives) {
    // Participants' and tracks' recordings end as they leave: the room is recorded while it
    // lives. Its composite is not when it ended while the room goes on: stopped, or about to
    // close (egress ends a recording when its room closes, sometimes just before room_finished
    // arrives).
    if (!composite_asked) return Status::kRecording;
    return any_counted(room, [](const Recording& r) { return composite(r) && recording_active(r); })
               ? Status::kRecording
               : Status::kStopped;
  }
  return Status::kRecorded;
}

namespace {

std::string with_error(std::string text, const std::string& error) {
  if (!error.empty()) text.append(": ").append(error);
  return text;
}

std::string whom(const Subject& subject) {
  if (subject.kind == model::RecordingKind::kTrack) return "track " + subject.track_id;
  return "participant " + subject.participant;
}

// The first counted recording that `test` picks, or null.
template <typename Test>
const Recording* first_counted(const Session& room, Test test) {
  const auto found = std::find_if(room.recordings.begin(), room.recordings.end(),
                                  [&](const Recording& r) { return counts(room, r) && test(r); });
  return found == room.recordings.end() ? nullptr : &*found;
}

std::string partial_reason(const Session& room) {
  if (const Recording* r =
          first_counted(room, [](const Recording& r) { return model::is_failure(r.status); })) {
    return with_error("recording " + r->egress_id + " ended " + std::string(to_string(r->status)),
                      r->error);
  }
  if (const Recording* r = first_counted(room, recording_end_unknown)) {
    return "LiveKit forgot recording " + r->egress_id + " before its end was known";
  }
  if (!room.missing.empty()) {
    const Missing& m = room.missing.front();
    return with_error(whom(m.subject) + " not recorded", m.error);
  }
  return with_error("the room composite was not recorded", room.start_error);
}

}  // namespace

std::string reason_of(const Session& room) {
  switch (status_of(room)) {
    case Status::kSkipped:
      return room.rule.empty() ? "skipped by policy" : "skipped by " + room.rule;
    case Status::kUnrecorded:
      return room.start_error.empty() ? "no recording started"
                                      : "no recording started: " + room.start_error;
    case Status::kPartial:
      return partial_reason(room);
    case Status::kStopped:
      if (const Recording* r = first_counted(room, [](const Recording& r) {
            return r.stopped_on_purpose || (composite(r) && !recording_active(r));
          })) {
        return "recording " + r->egress_id + " was stopped while the room went on";
      }
      return "stopped while the room went on";
    case Status::kRecorded:
    case Status::kRecording:
      break;
  }
  return {};
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
