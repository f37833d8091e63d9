#pragma once
// One status per room session (docs/ledger.md): what the ledger derives, the report and the API
// show, and room_sessions_total counts.
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

enum class SessionStatus {
  kRecording,   // the room lives and a recording is active
  kRecorded,    // every part that should be recorded is covered by a completed or active recording
  kPartial,     // something was recorded, but a recording failed and left a gap or an error
  kStopped,     // a recording was stopped on purpose while the room lived on
  kSkipped,     // the recording policy said not to record it
  kUnrecorded,  // it should have been recorded and no recording ever started
};

inline constexpr NameTable<SessionStatus, 6> kSessionStatusNames{
    {"recording", "recorded", "partial", "stopped", "skipped", "unrecorded"}, "unknown"};

constexpr std::string_view to_string(SessionStatus status) {
  return kSessionStatusNames.name(status);
}

}  // namespace ar::model
