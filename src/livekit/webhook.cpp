#include "livekit/webhook.hpp"

#include <openssl/crypto.h>

#include <array>
#include <boost/json.hpp>
#include <cctype>

#include "livekit/protojson.hpp"
#include "util/base64.hpp"
#include "util/crypto.hpp"

namespace ar::livekit {
namespace {

namespace json = boost::json;

std::string_view strip_bearer(std::string_view header) {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() >= kBearer.size()) {
    bool matches = true;
    for (std::size_t i = 0; i < kBearer.size() && matches; ++i) {
      matches = std::tolower(static_cast<unsigned char>(header[i])) ==
                std::tolower(static_cast<unsigned char>(kBearer[i]));
    }
    if (matches) header.remove_prefix(kBearer.size());
  }
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  return header;
}

class EventReader {
 public:
  std::string error;  // the first problem met; empty: none

  void string(const json::object& object, std::string_view camel, std::string_view snake,
              std::string& out) {
    const json::value* value = proto_field(object, camel, snake);
    if (value == nullptr || value->is_null()) return;
    if (!value->is_string()) {
      fail(std::string(camel) + " must be a string");
      return;
    }
    out.assign(value->get_string().data(), value->get_string().size());  // keeps out's capacity
  }

  void int64(const json::object& object, std::string_view camel, std::string_view snake,
             std::int64_t& out) {
    const json::value* value = proto_field(object, camel, snake);
    if (value == nullptr || value->is_null()) return;
    if (value->is_int64()) {
      out = value->get_int64();
    } else if (const auto number =
                   value->is_string() ? protojson_int64(value->get_string()) : std::nullopt) {
      out = *number;
    } else {
      fail(std::string(camel) + " must be an integer");
    }
  }

  const json::object* object(const json::object& parent, std::string_view camel,
                             std::string_view snake) {
    const json::value* value = proto_field(parent, camel, snake);
    if (value == nullptr || value->is_null()) return nullptr;
    if (!value->is_object()) {
      fail(std::string(camel) + " must be an object");
      return nullptr;
    }
    return &value->get_object();
  }

 private:
  void fail(std::string reason) {
    if (error.empty()) error = std::move(reason);
  }
};

}  // namespace

BodyHash body_hash(std::string_view body) {
  std::array<char, BodyHash::static_capacity>
      text;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  const std::string_view encoded =
      util::base64_encode_into(util::as_bytes(util::sha256(body)), text);
  return {encoded.data(), encoded.size()};
}

util::Result<void> parse_webhook_event(std::string_view body, WebhookEvent& out,
                                       bool read_subjects) {
  // The parsed body lives in a buffer on the stack (bigger bodies spill to the heap).
  std::array<unsigned char, 8192> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  json::monotonic_resource resource(buffer.data(), buffer.size());
  boost::system::error_code ec;
  const json::value root = json::parse(body, ec, json::storage_ptr(&resource));
  if (ec) return util::Error{"body is not JSON"};
  if (!root.is_object()) return util::Error{"body is not a JSON object"};
  const json::object& event = root.get_object();

  out.event.clear();
  out.id.clear();
  out.created_at = 0;
  EventReader in;
  in.string(event, "event", "", out.event);
  in.string(event, "id", "", out.id);
  in.int64(event, "createdAt", "created_at", out.created_at);
  if (const json::object* room = in.object(event, "room", "")) {
    Room& r = out.room ? *out.room : out.room.emplace();
    r.sid.clear();
    r.name.clear();
    r.metadata.clear();
    in.string(*room, "sid", "", r.sid);
    in.string(*room, "name", "", r.name);
    in.string(*room, "metadata", "", r.metadata);
    r.created_ms = room_created_ms(proto_integer(*room, "creationTimeMs", "creation_time_ms"),
                                   proto_integer(*room, "creationTime", "creation_time"));
  } else {
    out.room.reset();
  }
  out.egress.reset();  // rare: an egress event's strings are not worth keeping
  if (const json::object* egress = in.object(event, "egressInfo", "egress_info")) {
    // LiveKit sends egress_ended with an empty egress id for an automatic egress that failed to
    // start: there is nothing to act on then.
    out.egress = read_egress_info(*egress);
  }
  out.kind = event_kind(out.event);
  out.participant.reset();
  out.track.reset();
  // Read only for the events that use them, when a rule records participants or tracks: a room
  // recorded as a composite does not pay for them (nor answer 400 for a participant it ignores).
  if (read_subjects &&
      (out.kind == EventKind::kParticipantJoined || out.kind == EventKind::kTrackPublished)) {
    if (const json::object* participant = in.object(event, "participant", "")) {
      out.participant = read_participant(*participant);
    }
    if (const json::object* track = in.object(event, "track", "")) out.track = read_track(*track);
  }
  if (!in.error.empty()) return util::Error{"not a WebhookEvent: " + in.error};
  if (out.kind == EventKind::kRoomStarted && (!out.room || out.room->name.empty())) {
    return util::Error{"room_started without room.name"};
  }
  return {};
}

EventKind event_kind(std::string_view name) {
  if (name == "room_started") return EventKind::kRoomStarted;
  if (name == "room_finished") return EventKind::kRoomFinished;
  if (name == "egress_started") return EventKind::kEgressStarted;
  if (name == "egress_updated") return EventKind::kEgressUpdated;
  if (name == "egress_ended") return EventKind::kEgressEnded;
  if (name == "participant_joined") return EventKind::kParticipantJoined;
  if (name == "track_published") return EventKind::kTrackPublished;
  return EventKind::kOther;
}

std::string_view WebhookResult::label() const {
  switch (problem) {
    case WebhookProblem::kNone:
      return "ok";
    case WebhookProblem::kMissingAuthorization:
      return "missing_authorization";
    case WebhookProblem::kInvalidToken:
      return ar::livekit::label(token_check);
    case WebhookProblem::kBodyHashMismatch:
      return "body_hash_mismatch";
    case WebhookProblem::kNotAnEvent:
      return "not_an_event";
  }
  return "invalid";
}

WebhookVerifier::WebhookVerifier(std::string api_key, std::string api_secret,
                                 std::chrono::seconds leeway, bool read_subjects)
    : api_key_(std::move(api_key)),
      api_secret_(std::move(api_secret)),
      leeway_(leeway),
      read_subjects_(read_subjects) {}

WebhookResult WebhookVerifier::verify(std::string_view authorization, std::string_view body,
                                      Clock::time_point now) const {
  WebhookResult result;
  verify(authorization, body, now, result);
  return result;
}

void WebhookVerifier::verify(std::string_view authorization, std::string_view body,
                             Clock::time_point now, WebhookResult& result) const {
  result.problem = WebhookProblem::kNone;
  result.token_check = TokenCheck::kOk;
  result.reason.clear();
  const std::string_view token = strip_bearer(authorization);
  if (token.empty()) {
    result.problem = WebhookProblem::kMissingAuthorization;
    result.reason = "missing Authorization header";
    return;
  }
  const VerifiedToken verified = verify_token(token, {api_key_, api_secret_, leeway_}, now);
  if (verified.check != TokenCheck::kOk) {
    result.problem = WebhookProblem::kInvalidToken;
    result.token_check = verified.check;
    result.reason = std::string(describe(verified.check));
    return;
  }
  const BodyHash expected = body_hash(body);
  if (verified.sha256.size() != expected.size() ||
      CRYPTO_memcmp(verified.sha256.data(), expected.data(), expected.size()) != 0) {
    result.problem = WebhookProblem::kBodyHashMismatch;
    result.reason = "body does not match the token's sha256 claim";
    return;
  }
  if (const auto parsed = parse_webhook_event(body, result.event, read_subjects_); !parsed) {
    result.problem = WebhookProblem::kNotAnEvent;
    result.reason = parsed.error();
  }
}

}  // namespace ar::livekit
