#pragma once
// An egress's status as LiveKit reports it (livekit_egress.proto's EgressStatus), and the three
// questions every part asks of it. The ledger stores it, the recorder decides on it, telemetry
// labels with its name: all from this one table.
#include <cstdint>
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

// In the order of the proto's numbers.
enum class EgressStatus {
  kStarting,
  kActive,
  kEnding,
  kComplete,
  kFailed,
  kAborted,
  kLimitReached,
  kUnknown,  // a status newer than this code
};

inline constexpr NameTable<EgressStatus, 7> kEgressStatusNames{
    {"EGRESS_STARTING", "EGRESS_ACTIVE", "EGRESS_ENDING", "EGRESS_COMPLETE", "EGRESS_FAILED",
     "EGRESS_ABORTED", "EGRESS_LIMIT_REACHED"},
    "EGRESS_UNKNOWN"};

// "EGRESS_COMPLETE", as LiveKit names it.
constexpr std::string_view to_string(EgressStatus status) {
  return kEgressStatusNames.name(status);
}

// The name without LiveKit's prefix: "LIMIT_REACHED" (metrics label it in lower case).
constexpr std::string_view short_name(EgressStatus status) {
  constexpr std::string_view kPrefix = "EGRESS_";
  return to_string(status).substr(kPrefix.size());
}

// By name ("EGRESS_ACTIVE") or by the proto's number; kUnknown for one this build does not know.
constexpr EgressStatus egress_status_named(std::string_view name) {
  return kEgressStatusNames.named(name).value_or(EgressStatus::kUnknown);
}
constexpr EgressStatus egress_status_numbered(std::int64_t number) {
  return number >= 0 && number < static_cast<std::int64_t>(kEgressStatusNames.names.size())
             ? static_cast<EgressStatus>(number)
             : EgressStatus::kUnknown;
}

// STARTING, ACTIVE or ENDING: the egress is (about to be) recording.
constexpr bool is_active(EgressStatus status) {
  return status == EgressStatus::kStarting || status == EgressStatus::kActive ||
         status == EgressStatus::kEnding;
}

// FAILED, ABORTED or LIMIT_REACHED: it stopped without being asked to.
constexpr bool is_failure(EgressStatus status) {
  return status == EgressStatus::kFailed || status == EgressStatus::kAborted ||
         status == EgressStatus::kLimitReached;
}

// COMPLETE or a failure: LiveKit reported its end, and it changes no more.
constexpr bool is_final(EgressStatus status) {
  return status == EgressStatus::kComplete || is_failure(status);
}

}  // namespace ar::model
