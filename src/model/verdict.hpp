#pragma once
// What came of a verified webhook: the recorder's answer, the HTTP status LiveKit gets, and the
// result label of webhooks_total.
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

enum class Verdict {
  kAccepted,      // handled: started, queued, or already recording
  kDuplicate,     // this event, or this room's room_started, was handled before
  kSkipped,       // the recording policy says not to record this room
  kStopped,       // this room session's recording was stopped on purpose: not recorded again
  kBusy,          // too many rooms waiting to start: answer 503 so LiveKit retries
  kShuttingDown,  // answer 503: another replica, or this one after restart, takes it
};

inline constexpr NameTable<Verdict, 6> kVerdictNames{
    {"accepted", "duplicate", "skipped", "stopped", "busy", "shutting_down"}, "accepted"};

constexpr std::string_view to_string(Verdict verdict) {
  return kVerdictNames.name(verdict);
}

// The verdicts that answer 503: LiveKit retries, so the event must not be marked handled.
constexpr bool asks_for_retry(Verdict verdict) {
  return verdict == Verdict::kBusy || verdict == Verdict::kShuttingDown;
}

}  // namespace ar::model
