#pragma once
// What kind of participant LiveKit says one is (ParticipantInfo.Kind, in lower case): the
// participant filter of `record: participants` names them, the webhook and ListParticipants
// readers parse into them. EGRESS is the hidden participant every egress adds to its room: never
// recorded.
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

enum class ParticipantKind { kStandard, kIngress, kEgress, kSip, kAgent, kOther };

inline constexpr NameTable<ParticipantKind, 5> kParticipantKindNames{
    {"standard", "ingress", "egress", "sip", "agent"}, "other"};

constexpr std::string_view to_string(ParticipantKind kind) {
  return kParticipantKindNames.name(kind);
}

}  // namespace ar::model
