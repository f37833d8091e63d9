#pragma once
// What a failed LiveKit API call means, and how long to wait before the next try.
#include <chrono>
#include <cstdint>
#include <random>

#include "config/config.hpp"
#include "livekit/twirp_client.hpp"

namespace ar::recorder {

enum class Failure {
  kTransient,  // busy fleet, LiveKit restarting, network: retry with backoff
  kPermanent,  // our request or credentials are wrong: retrying cannot help
  kRoomGone,   // not_found: the room closed; stop trying
};

Failure classify(const livekit::TwirpReply& reply);

// Exponential backoff with jitter above a floor: the wait before retry n (0-based) is uniform in
// [initial, min(max, initial * 2^n)], so the first retry waits exactly `initial` and retries from
// many rooms spread out instead of arriving together.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);
  std::chrono::milliseconds delay(unsigned retry);

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::mt19937_64 random_;
};

}  // namespace ar::recorder
