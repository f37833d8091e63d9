#include "livekit/egress_flavour.hpp"

#include <algorithm>
#include <cctype>

namespace ar::livekit {
namespace {

bool mentions_not_implemented(std::string_view message) {
  constexpr std::string_view kNeedle = "not implemented";
  return std::search(message.begin(), message.end(), kNeedle.begin(), kNeedle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) == b;
                     }) != message.end();
}

}  // namespace

bool lacks_unified(const TwirpReply& reply) {
  if (reply.code == "bad_route") return reply.http_status == 404;
  if (reply.code == "unimplemented") return true;
  return reply.code == "unknown" && reply.http_status == 500 &&
         mentions_not_implemented(reply.message);
}

bool EgressFlavourChoice::unified() const {
  switch (configured_) {
    case EgressFlavour::kLegacy:
      return false;
    case EgressFlavour::kUnified:
      return true;
    case EgressFlavour::kAuto:
      break;
  }
  return learned_.load(std::memory_order_relaxed) != kLacksUnified;
}

bool EgressFlavourChoice::learn(Learned learned) {
  if (configured_ != EgressFlavour::kAuto) return false;
  // A server found without the call after it had it (LiveKit rolled back) is believed too.
  return learned_.exchange(learned, std::memory_order_relaxed) != learned;
}

bool EgressFlavourChoice::fall_back() {
  return learn(kLacksUnified);
}

bool EgressFlavourChoice::confirm_unified() {
  return learn(kHasUnified);
}

std::string_view EgressFlavourChoice::in_use() const {
  if (configured_ != EgressFlavour::kAuto) return to_string(configured_);
  switch (learned_.load(std::memory_order_relaxed)) {
    case kHasUnified:
      return "unified";
    case kLacksUnified:
      return "legacy";
    default:
      return "auto (unified until LiveKit answers without it)";
  }
}

}  // namespace ar::livekit
