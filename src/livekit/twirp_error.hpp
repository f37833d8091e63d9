#pragma once
// What a call to LiveKit's API can end with, in one place: the reply, Twirp's error codes, the
// client's own transport outcomes, and what each means for the caller.
#include <span>
#include <string>
#include <string_view>

namespace ar::livekit {

struct TwirpReply {
  unsigned http_status = 0;  // 0 when no HTTP answer came (connection error or timeout)
  // Empty on success. Otherwise the Twirp error code ("unavailable", "not_found", ...), or
  // "connection_error" / "deadline_exceeded" for transport failures, "http_<status>" for a
  // non-Twirp error answer, "proxy_<status>" for the proxy's own (proxy_reply).
  std::string code;
  std::string message;
  std::string body;  // the JSON reply on success

  bool ok() const { return code.empty(); }
};

// The reply for an HTTP answer: success for 200, otherwise the Twirp error it carries.
TwirpReply reply_from_http(unsigned status, std::string body);

// The reply for an answer of the proxy between here and LiveKit (a refused CONNECT, a 407, its
// own error page): code "proxy_<status>", classified as the status says (a 407 or a redirect is
// the proxy's configuration, a 5xx is retried), counted as "proxy_error".
TwirpReply proxy_reply(unsigned status, std::string message);

enum class Failure {
  kTransient,  // busy fleet, LiveKit restarting, network: retry with backoff
  kPermanent,  // our request or credentials are wrong: retrying cannot help
  kRoomGone,   // not_found: the room closed; stop trying
};

// `code` as TwirpReply carries it: a Twirp code, "connection_error", or "http_<status>" for a
// non-Twirp answer (a proxy's), whose `http_status` then decides.
Failure classify(std::string_view code, unsigned http_status);

// Every outcome a call may have, for metric labels: "ok", Twirp's codes, "connection_error" and
// "http_error" (any non-Twirp answer).
std::span<const std::string_view> call_outcomes();

// The outcome of a reply with this code ("" is "ok"), one of call_outcomes() or "other".
std::string_view outcome_of(std::string_view code);

}  // namespace ar::livekit
