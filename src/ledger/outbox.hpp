#pragma once
// The ledger's outbox: the notifications an application asked for (notify/), written in the same
// transaction as the status change that causes them, and delivered at least once from there by
// whichever replica claims them. One row per event and endpoint; its body is made once, so that
// every attempt sends the same bytes under the same webhook-id.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/names.hpp"
#include "model/session_status.hpp"

namespace ar::ledger {

// The events an endpoint may want (docs/notifications.md).
enum class EventType {
  kSessionFinished,  // room_session.finished: once per session, when its status is final
  kRecordingEnded,   // recording.ended: once per recording, when its end is known
};
inline constexpr model::NameTable<EventType, 2> kEventTypeNames{
    {"room_session.finished", "recording.ended"}, "unknown"};
constexpr std::string_view to_string(EventType type) {
  return kEventTypeNames.name(type);
}

// What one endpoint wants written to the outbox; the ledger knows no URL or secret.
struct Subscription {
  std::string endpoint;  // its name: the outbox's rows, the metrics' label, the API's
  bool session_finished = true;
  bool recording_ended = true;
  std::vector<model::SessionStatus> statuses{};  // empty: every status
  bool metadata = false;                         // the room's metadata in the body

  bool wants(EventType type) const {
    return type == EventType::kSessionFinished ? session_finished : recording_ended;
  }
  bool wants(model::SessionStatus status) const;
};

enum class DeliveryState { kPending, kDelivered, kFailed };
inline constexpr model::NameTable<DeliveryState, 3> kDeliveryStateNames{
    {"pending", "delivered", "failed"}, "unknown"};
constexpr std::string_view to_string(DeliveryState state) {
  return kDeliveryStateNames.name(state);
}

// One event for one endpoint, as the outbox keeps it.
struct Notification {
  std::string id;  // webhook-id: the same at every attempt, and for every endpoint
  std::string endpoint;
  std::string type;  // "room_session.finished"
  std::string room_sid;
  std::string egress_id;  // recording.ended's
  std::string status;     // the session's status when the event was made
  std::string body;       // left empty in lists (Session::notifications)
  std::int64_t created_ms = 0;
  std::int64_t due_since_ms = 0;  // since when it waits: its creation, or the last resend
  DeliveryState state = DeliveryState::kPending;
  std::int64_t attempts = 0;      // begun, counting the one a claim begins
  std::int64_t next_ms = 0;       // when it is due (a claim's lease while it is sent)
  std::int64_t delivered_ms = 0;  // 0 unless delivered
  std::string last_error;         // why the last attempt failed; empty once delivered
};

// How an attempt ended (Outbox::settle). It is written only while its claim holds: the row's
// attempts and lease are still those the claim set (another replica did not take it after the
// lease, `notify resend` did not make it due again meanwhile).
struct Outcome {
  std::string id;
  std::string endpoint;
  DeliveryState state = DeliveryState::kPending;  // pending: tried again at next_ms
  std::int64_t at_ms = 0;
  std::int64_t next_ms = 0;
  std::string error{};
  std::int64_t claimed_attempts = 0;  // the claim's: Notification::attempts and next_ms
  std::int64_t claimed_lease = 0;
};

// The notifications not yet delivered nor given up.
struct Backlog {
  std::size_t pending = 0;
  std::int64_t oldest_ms = 0;  // the longest waiting one's due_since_ms; 0 when none
};

class Outbox {
 public:
  Outbox() = default;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  virtual ~Outbox() = default;

  // Up to `limit` notifications of `endpoint` due at now_ms, oldest due first, each counted as an
  // attempt and not due again before lease_ms: another replica claims them only once this one
  // has died meanwhile. Throws StoreError, as do the others.
  virtual std::vector<Notification> claim(std::int64_t now_ms, std::int64_t lease_ms,
                                          std::size_t limit, std::string_view endpoint) = 0;
  virtual void settle(std::span<const Outcome> outcomes) = 0;
  // By endpoint; one with none pending is absent.
  virtual std::map<std::string, Backlog, std::less<>> backlog() = 0;
  // Makes the notifications created since since_ms (of sessions whose status is now `status`, of
  // this endpoint, when given) due again at now_ms, delivered or not, waiting from now_ms (so
  // that give-up counts from the resend): how many.
  // What became of the file the outbox reads, when its path no longer names it (Store::file_gone);
  // empty while it does.
  virtual std::string file_gone() { return {}; }
  virtual std::size_t resend(std::int64_t since_ms, std::optional<model::SessionStatus> status,
                             std::string_view endpoint, std::int64_t now_ms) = 0;
};

}  // namespace ar::ledger
