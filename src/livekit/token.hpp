#pragma once
// LiveKit access tokens: HS256 JWTs. Minting for our API calls, verifying for webhooks.
#include <boost/static_string/static_string.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace ar::livekit {

using Clock = std::chrono::system_clock;

// The "video" grants our calls need (LiveKit checks them per API method).
struct VideoGrant {
  bool room_record = false;  // Egress calls
  bool room_list = false;    // RoomService.ListRooms
  bool room_admin = false;   // RoomService.ListParticipants, for `room` only
  std::string_view room{};
};

// A token as LiveKit's SDKs mint it: iss = key, nbf = now, exp = now + ttl, and the grants.
// `sha256`: the claim LiveKit's webhook notifier adds (the body's SHA-256 in base64); unit tests
// sign webhooks with it.
std::string mint_token(std::string_view api_key, std::string_view api_secret,
                       const VideoGrant& grant, std::chrono::seconds ttl, Clock::time_point now,
                       std::string_view sha256 = {});

enum class TokenCheck {
  kOk,
  kMalformed,  // not three base64url segments of JSON objects
  kUnsupportedAlgorithm,
  kBadSignature,
  kWrongIssuer,
  kMissingExpiry,  // a signed token without exp would be valid forever
  kExpired,
  kNotYetValid,
  kBadTimeClaim,       // exp or nbf not integer seconds between 1970 and 9999
  kUnsupportedHeader,  // a "crit" header: extensions that must be understood, and are not
};

struct VerifiedToken {
  TokenCheck check = TokenCheck::kMalformed;
  // The body hash claim, when present (base64 of 32 bytes is 44 characters; a longer claim is
  // left out and then matches no body).
  boost::static_string<64> sha256;
};

struct TokenPolicy {
  std::string_view api_key;
  std::string_view api_secret;
  std::chrono::seconds leeway{60};
};

// Verifies signature (HS256 only, constant-time), issuer, exp (required) and nbf with leeway.
VerifiedToken verify_token(std::string_view token, const TokenPolicy& policy,
                           Clock::time_point now);

// A short reason for an HTTP answer; never contains token material.
std::string_view describe(TokenCheck check);

// A metric label for the check: "expired", "bad_signature", ...
std::string_view label(TokenCheck check);

}  // namespace ar::livekit
