#pragma once
// Which of LiveKit's calls starts a recording: the unified Egress.StartEgress (livekit-server
// 1.13.2+ with egress 1.14+) or the older StartRoomCompositeEgress it marks for deprecation. With
// `auto`, the first answer of a StartEgress decides for the rest of the process.
#include <atomic>
#include <optional>
#include <string_view>

#include "livekit/twirp_error.hpp"
#include "model/names.hpp"

namespace ar::livekit {

enum class EgressFlavour { kAuto, kLegacy, kUnified };

inline constexpr model::NameTable<EgressFlavour, 3> kEgressFlavourNames{
    {"auto", "legacy", "unified"}, "auto"};

constexpr std::string_view to_string(EgressFlavour flavour) {
  return kEgressFlavourNames.name(flavour);
}
constexpr std::optional<EgressFlavour> parse_egress_flavour(std::string_view text) {
  return kEgressFlavourNames.named(text);
}

// Whether StartEgress's answer says the server has no such call, so the legacy one must be used:
// 404 with Twirp code bad_route (servers up to 1.12: no handler for the path), the code
// unimplemented, or the stub of 1.13.0 and 1.13.1 (HTTP 500, code unknown, "not implemented").
// Any other answer, a 404 not_found for a room that does not exist among them, is the call's own.
bool lacks_unified(const TwirpReply& reply);

// The API in use, shared by every start of the process.
class EgressFlavourChoice {
 public:
  explicit EgressFlavourChoice(EgressFlavour configured) : configured_(configured) {}

  // Whether the next start calls StartEgress.
  bool unified() const;
  // A StartEgress answered lacks_unified: legacy from now on. True when this changed the choice
  // of an `auto` process, false when it was made before or is configured.
  bool fall_back();
  // A StartEgress answered: the server has it. True when this changed the choice (`auto`).
  bool confirm_unified();
  // "unified" or "legacy" once known or configured, else "auto (unified until LiveKit answers
  // without it)".
  std::string_view in_use() const;
  EgressFlavour configured() const { return configured_; }

 private:
  enum Learned : int { kUnknown, kHasUnified, kLacksUnified };
  bool learn(Learned learned);

  EgressFlavour configured_;
  std::atomic<int> learned_{kUnknown};
};

}  // namespace ar::livekit
