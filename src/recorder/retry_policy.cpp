#include "recorder/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace ar::recorder {

Failure classify(const livekit::TwirpReply& reply) {
  const std::string_view code = reply.code;
  if (code == "not_found") return Failure::kRoomGone;
  // Twirp codes that mean "the request itself is wrong": the same request fails again.
  static constexpr std::array<std::string_view, 8> kPermanent{
      "invalid_argument", "malformed",           "unauthenticated", "permission_denied",
      "bad_route",        "failed_precondition", "out_of_range",    "unimplemented"};
  if (std::find(kPermanent.begin(), kPermanent.end(), code) != kPermanent.end()) {
    return Failure::kPermanent;
  }
  // A non-Twirp answer (e.g. from a proxy): 429 and 5xx pass, other 4xx will not.
  if (code.starts_with("http_")) {
    const long status = reply.http_status;
    return (status == 429 || status >= 500) ? Failure::kTransient : Failure::kPermanent;
  }
  // unavailable, internal, deadline_exceeded, resource_exhausted, aborted, unknown, dataloss,
  // canceled, connection_error, and codes newer than this code: worth another try.
  return Failure::kTransient;
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::uint64_t seed)
    : initial_(initial), max_(max), random_(seed) {}

std::chrono::milliseconds Backoff::delay(unsigned retry) {
  const auto shift = std::min(retry, 30U);
  // initial << shift only when it cannot pass max (and so cannot overflow either).
  const auto ceiling =
      initial_.count() > (max_.count() >> shift) ? max_.count() : initial_.count() << shift;
  const auto floor = std::min(initial_.count(), ceiling);
  std::uniform_int_distribution<std::int64_t> pick(floor, ceiling);
  return std::chrono::milliseconds(pick(random_));
}

}  // namespace ar::recorder
