#pragma once
// What came of claiming a room in the replicas' shared store (Redis): the coordination's answer,
// the recorder's decision, and the result label of coordination_claims_total.
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

enum class Claim {
  kWon,             // this replica holds the claim: start the recording
  kTaken,           // another replica holds it (or recorded the room moments ago): skip
  kDuplicateEvent,  // this webhook event was handled by a replica already: skip
  kUnavailable,     // Redis could not be asked: fall back to the ListEgress check
};

inline constexpr NameTable<Claim, 4> kClaimNames{{"won", "taken", "duplicate_event", "unavailable"},
                                                 "unavailable"};

constexpr std::string_view to_string(Claim claim) {
  return kClaimNames.name(claim);
}

}  // namespace ar::model
