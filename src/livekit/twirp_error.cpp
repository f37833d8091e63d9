#include "livekit/twirp_error.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

namespace ar::livekit {
namespace {

// Twirp's codes (twitchtv/twirp errors.go) plus the client's own transport outcomes.
constexpr std::array<std::string_view, 22> kOutcomes{"ok",
                                                     "canceled",
                                                     "unknown",
                                                     "invalid_argument",
                                                     "malformed",
                                                     "deadline_exceeded",
                                                     "not_found",
                                                     "bad_route",
                                                     "already_exists",
                                                     "permission_denied",
                                                     "unauthenticated",
                                                     "resource_exhausted",
                                                     "failed_precondition",
                                                     "aborted",
                                                     "out_of_range",
                                                     "unimplemented",
                                                     "internal",
                                                     "unavailable",
                                                     "dataloss",
                                                     "connection_error",
                                                     "http_error",
                                                     "proxy_error"};

// Codes that mean "the request itself is wrong": the same request fails again.
constexpr std::array<std::string_view, 8> kPermanent{
    "invalid_argument", "malformed",           "unauthenticated", "permission_denied",
    "bad_route",        "failed_precondition", "out_of_range",    "unimplemented"};

bool is_http(std::string_view code) {
  return code.starts_with("http_");
}

bool is_proxy(std::string_view code) {
  return code.starts_with("proxy_");
}

// A Twirp error answer is {"code": "...", "msg": "..."}; anything else is named by its status.
void read_error(TwirpReply& reply) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(reply.body, ec);
  if (!ec && value.is_object()) {
    const auto& object = value.get_object();
    const auto* code = object.if_contains("code");
    const auto* msg = object.if_contains("msg");
    if (code != nullptr && code->is_string() && !code->get_string().empty()) {
      reply.code = std::string(code->get_string());
      if (msg != nullptr && msg->is_string()) reply.message = std::string(msg->get_string());
      return;
    }
  }
  reply.code = "http_" + std::to_string(reply.http_status);
  reply.message = "the answer is not a Twirp error (is livekit_host the LiveKit server?)";
}

}  // namespace

TwirpReply proxy_reply(unsigned status, std::string message) {
  TwirpReply reply;
  reply.http_status = status;
  reply.code = "proxy_" + std::to_string(status);
  reply.message = std::move(message);
  return reply;
}

TwirpReply reply_from_http(unsigned status, std::string body) {
  TwirpReply reply;
  reply.http_status = status;
  reply.body = std::move(body);
  if (status != 200) read_error(reply);
  return reply;
}

Failure classify(std::string_view code, unsigned http_status) {
  if (code == "not_found") return Failure::kRoomGone;
  if (std::find(kPermanent.begin(), kPermanent.end(), code) != kPermanent.end()) {
    return Failure::kPermanent;
  }
  // A non-Twirp answer, or the proxy's: 429 and 5xx pass; a 407, a redirect (never followed)
  // and other 4xx will not.
  if (is_http(code) || is_proxy(code)) {
    return (http_status == 429 || http_status >= 500) ? Failure::kTransient : Failure::kPermanent;
  }
  // unavailable, internal, deadline_exceeded, resource_exhausted, aborted, unknown, dataloss,
  // canceled, connection_error, and codes newer than this code: worth another try.
  return Failure::kTransient;
}

std::span<const std::string_view> call_outcomes() {
  return kOutcomes;
}

std::string_view outcome_of(std::string_view code) {
  if (code.empty()) return "ok";
  if (is_http(code)) return "http_error";
  if (is_proxy(code)) return "proxy_error";
  const auto* found = std::find(kOutcomes.begin(), kOutcomes.end(), code);
  return found != kOutcomes.end() ? *found : "other";
}

}  // namespace ar::livekit
