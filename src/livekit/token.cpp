#include "livekit/token.hpp"

#include <openssl/crypto.h>

#include <array>
#include <boost/json.hpp>
#include <span>

#include "util/base64.hpp"
#include "util/crypto.hpp"

namespace ar::livekit {
namespace {

namespace json = boost::json;

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

const json::object* decode_segment(std::string_view segment, json::value& storage,
                                   const json::storage_ptr& memory) {
  // Decoded on the stack; a segment too long for it (never one LiveKit signs) on the heap.
  std::array<char, 1024> stack;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::string heap;
  std::span<char> out(stack);
  if (const std::size_t needed = util::base64_decoded_capacity(segment.size());
      needed > stack.size()) {
    heap.resize(needed);
    out = heap;
  }
  const auto size = util::base64url_decode_into(segment, out);
  if (!size) return nullptr;
  boost::system::error_code ec;
  storage = json::parse(std::string_view(out.data(), *size), ec, memory);
  if (ec) return nullptr;
  return storage.if_object();
}

// The last second of the year 9999: no token LiveKit signs lives longer, and nothing past it is
// a date. 1e308 or 2^63 in exp would otherwise make a token valid forever.
constexpr std::int64_t kLatestTime = 253402300799;

// A NumericDate claim as LiveKit's SDKs write it: whole seconds since 1970, an integer.
struct TimeClaim {
  bool present = false;
  bool valid = false;
  std::int64_t seconds = 0;
};
TimeClaim time_claim(const json::object& claims, std::string_view name) {
  TimeClaim claim;
  const json::value* value = claims.if_contains(name);
  if (value == nullptr) return claim;
  claim.present = true;
  if (value->is_int64()) {
    claim.seconds = value->get_int64();
    claim.valid = claim.seconds >= 0 && claim.seconds <= kLatestTime;
  } else if (value->is_uint64()) {
    claim.valid = false;  // beyond int64, so beyond any date
  }
  return claim;  // a fraction, a string, null, an object: not a date
}

// JWS segments are base64url without padding (RFC 7515 §2).
bool padded(std::string_view token) {
  return token.find('=') != std::string_view::npos;
}

}  // namespace

std::string mint_token(std::string_view api_key, std::string_view api_secret,
                       const VideoGrant& grant, std::chrono::seconds ttl, Clock::time_point now,
                       std::string_view sha256) {
  json::object video;
  if (grant.room_record) video["roomRecord"] = true;
  if (grant.room_list) video["roomList"] = true;
  if (grant.room_admin) video["roomAdmin"] = true;
  if (!grant.room.empty()) video["room"] = grant.room;
  const std::int64_t issued = unix_seconds(now);
  json::object claims{
      {"iss", api_key}, {"nbf", issued}, {"exp", issued + ttl.count()}, {"video", video}};
  if (!sha256.empty()) claims["sha256"] = sha256;
  const std::string signing_input = util::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                                    util::base64url_encode(json::serialize(claims));
  return signing_input + "." +
         util::base64url_encode(util::as_bytes(util::hmac_sha256(api_secret, signing_input)));
}

VerifiedToken verify_token(std::string_view token, const TokenPolicy& policy,
                           Clock::time_point now) {
  VerifiedToken result;
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos || padded(token)) {
    return result;
  }
  // The parsed header and claims live in a buffer on the stack, not in a dozen heap blocks.
  std::array<unsigned char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  json::monotonic_resource resource(buffer.data(), buffer.size());
  const json::storage_ptr memory(&resource);
  json::value header_storage(memory);  // same resource, or assigning would copy to the heap
  json::value claims_storage(memory);
  const json::object* header = decode_segment(token.substr(0, first_dot), header_storage, memory);
  const json::object* claims = decode_segment(
      token.substr(first_dot + 1, second_dot - first_dot - 1), claims_storage, memory);
  std::array<char, 512> signature_bytes;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  const auto signature_size =
      util::base64url_decode_into(token.substr(second_dot + 1), signature_bytes);
  if (header == nullptr || claims == nullptr || !signature_size) return result;

  // Only HS256: refusing everything else closes the "alg":"none" and key-confusion doors.
  const json::value* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
    result.check = TokenCheck::kUnsupportedAlgorithm;
    return result;
  }
  // RFC 7515 §4.1.11: a "crit" header lists extensions the recipient must understand; none
  // are understood here.
  if (header->contains("crit")) {
    result.check = TokenCheck::kUnsupportedHeader;
    return result;
  }
  const util::Sha256Digest expected =
      util::hmac_sha256(policy.api_secret, token.substr(0, second_dot));
  if (*signature_size != expected.size() ||
      CRYPTO_memcmp(signature_bytes.data(), expected.data(), expected.size()) != 0) {
    result.check = TokenCheck::kBadSignature;
    return result;
  }
  const json::value* issuer = claims->if_contains("iss");
  if (issuer == nullptr || !issuer->is_string() || issuer->get_string() != policy.api_key) {
    result.check = TokenCheck::kWrongIssuer;
    return result;
  }
  const std::int64_t current = unix_seconds(now);
  const std::int64_t leeway = policy.leeway.count();
  const TimeClaim expiry = time_claim(*claims, "exp");
  const TimeClaim not_before = time_claim(*claims, "nbf");
  if (!expiry.present) {
    result.check = TokenCheck::kMissingExpiry;
    return result;
  }
  if (!expiry.valid || (not_before.present && !not_before.valid)) {
    result.check = TokenCheck::kBadTimeClaim;
    return result;
  }
  if (current > expiry.seconds + leeway) {
    result.check = TokenCheck::kExpired;
    return result;
  }
  if (not_before.present && current + leeway < not_before.seconds) {
    result.check = TokenCheck::kNotYetValid;
    return result;
  }
  if (const json::value* sha = claims->if_contains("sha256");
      sha != nullptr && sha->is_string() && sha->get_string().size() <= result.sha256.capacity()) {
    result.sha256.assign(sha->get_string().data(), sha->get_string().size());
  }
  result.check = TokenCheck::kOk;
  return result;
}

namespace {

struct CheckText {
  std::string_view label;        // for metrics
  std::string_view description;  // for the HTTP answer and the log
};

// Indexed by TokenCheck, in its order.
constexpr std::array<CheckText, 10> kCheckTexts{{
    {"ok", "valid"},
    {"malformed_token", "token is not a JWT"},
    {"unsupported_algorithm", "token algorithm must be HS256"},
    {"bad_signature", "token signature does not match the webhook secret"},
    {"wrong_issuer", "token was not issued by the webhook api key"},
    {"missing_expiry", "token has no expiry"},
    {"expired", "token has expired"},
    {"not_yet_valid", "token is not valid yet"},
    {"bad_time_claim", "token exp and nbf must be whole seconds between 1970 and 9999"},
    {"unsupported_header", "token header has crit: extensions that are not supported"},
}};
static_assert(static_cast<std::size_t>(TokenCheck::kUnsupportedHeader) + 1 == kCheckTexts.size());

}  // namespace

std::string_view label(TokenCheck check) {
  return kCheckTexts.at(static_cast<std::size_t>(check)).label;
}

std::string_view describe(TokenCheck check) {
  return kCheckTexts.at(static_cast<std::size_t>(check)).description;
}

}  // namespace ar::livekit
