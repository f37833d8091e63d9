#pragma once
// LiveKit webhooks: verify the Authorization token and body hash exactly as livekit-server signs
// them, then read the WebhookEvent JSON. Knows tokens and JSON, not HTTP.
#include <boost/static_string/static_string.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "livekit/egress_info.hpp"
#include "livekit/participants.hpp"
#include "livekit/token.hpp"
#include "util/result.hpp"

namespace ar::livekit {

struct Room {
  std::string sid;
  std::string name;
  std::string metadata;
  std::int64_t created_ms = 0;  // creation time (ms since the epoch); 0 when LiveKit did not say
};

// A room's creation time from its creationTimeMs, else its creationTime in seconds; 0 when
// neither is a plausible time.
inline std::int64_t room_created_ms(std::int64_t creation_time_ms, std::int64_t creation_time) {
  constexpr std::int64_t kYear9999 = 253402300799;
  if (creation_time_ms > 0 && creation_time_ms <= kYear9999 * 1000) return creation_time_ms;
  if (creation_time > 0 && creation_time <= kYear9999) return creation_time * 1000;
  return 0;
}

// The events the recorder acts on or the ledger keeps; every other name (participants leaving,
// tracks unpublished, ingress, names newer than this code) is kOther.
enum class EventKind {
  kOther,
  kRoomStarted,
  kRoomFinished,
  kEgressStarted,
  kEgressUpdated,
  kEgressEnded,
  kParticipantJoined,  // record: participants
  kTrackPublished,     // record: tracks
};

EventKind event_kind(std::string_view name);

struct WebhookEvent {
  std::string id;
  std::string event;  // "room_started", ...; unknown names are kept, not rejected
  EventKind kind = EventKind::kOther;
  std::int64_t created_at = 0;
  std::optional<Room> room;
  std::optional<EgressInfo> egress;
  std::optional<Participant> participant;  // participant_joined's, track_published's publisher
  std::optional<Track> track;              // track_published's
};

enum class WebhookProblem {
  kNone,
  kMissingAuthorization,
  kInvalidToken,      // see token_check
  kBodyHashMismatch,  // signed for another body: tampered or re-serialized
  kNotAnEvent,        // JSON that is not a WebhookEvent
};

struct WebhookResult {
  WebhookProblem problem = WebhookProblem::kNone;
  TokenCheck token_check = TokenCheck::kOk;
  std::string reason;  // short, safe to send back and log
  WebhookEvent event;

  bool ok() const { return problem == WebhookProblem::kNone; }
  // A metric label: "missing_authorization", "expired", "body_hash_mismatch", "not_an_event", ...
  std::string_view label() const;
  bool is_auth_failure() const {
    return problem != WebhookProblem::kNone && problem != WebhookProblem::kNotAnEvent;
  }
};

class WebhookVerifier {
 public:
  // read_subjects: whether participant_joined's and track_published's participant and track are
  // read (a rule records participants or tracks); otherwise they cost no more than their parse.
  WebhookVerifier(std::string api_key, std::string api_secret, std::chrono::seconds leeway,
                  bool read_subjects = true);

  // authorization is the raw header: the bare token livekit-server sends, or "Bearer <token>".
  // body is hashed exactly as received.
  WebhookResult verify(std::string_view authorization, std::string_view body,
                       Clock::time_point now) const;
  // The same into result, which is overwritten: one kept per thread is filled without
  // allocating once its strings have grown to fit.
  void verify(std::string_view authorization, std::string_view body, Clock::time_point now,
              WebhookResult& result) const;

 private:
  std::string api_key_;
  std::string api_secret_;
  std::chrono::seconds leeway_;
  bool read_subjects_;
};

// Reads a WebhookEvent from protobuf JSON (lowerCamelCase or proto names, int64 as string or
// number, unknown fields ignored), or says what is wrong. out is overwritten, its strings'
// capacity kept. read_subjects: see WebhookVerifier.
util::Result<void> parse_webhook_event(std::string_view body, WebhookEvent& out,
                                       bool read_subjects = true);

// base64(SHA-256(body)) as in the token's sha256 claim: 44 characters, held without the heap.
using BodyHash = boost::static_string<44>;
BodyHash body_hash(std::string_view body);

}  // namespace ar::livekit
