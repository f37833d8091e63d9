#pragma once
// What the recorder decided and did, told as it happens to an Events receiver: the service's
// wiring turns each into a log line and its metrics (app/recorder_telemetry.hpp), unit tests keep
// them to assert on. The recorder decides what is worth telling (once per room, or every time);
// the receiver decides how it reads. Told under the recorder's lock: a receiver returns quickly
// and never calls back into the recorder.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "model/claim.hpp"
#include "model/egress_status.hpp"
#include "model/origin.hpp"
#include "model/skip_reason.hpp"

namespace ar::recorder {

// A room not started, and why. `repeated`: the same room and reason told before (counted, not
// said again).
struct Skipped {
  model::SkipReason reason = model::SkipReason::kRule;
  model::Origin origin = model::Origin::kWebhook;
  std::string room;
  std::string room_sid;
  std::string event;      // the webhook's (duplicate_event)
  std::string event_id;   // the webhook's (duplicate_event, duplicate_room)
  std::string egress_id;  // the recording found (already_recording, stopped_on_purpose)
  model::EgressStatus status = model::EgressStatus::kUnknown;  // already_recording's
  std::string rule;                                            // the policy's rule (rule)
  std::string holder;  // the replica that holds the claim (claimed_elsewhere, duplicate_event)
  std::size_t restarts = 0;  // restarts in the last hour (restart_limit)
  bool repeated = false;
};

// StartEgress answered: the room is being recorded.
struct Started {
  std::string room;
  std::string room_sid;
  std::string egress_id;  // "unknown" when the answer named none
  model::Origin origin = model::Origin::kWebhook;
  std::string rule;
  unsigned retries = 0;
  // Seconds of the meeting missing from the file's start: a first recording of a room whose
  // creation time is known (a restart's gap is the failure's).
  std::optional<double> start_delay;
  std::string subject{};  // "participant alice", "track TR_x of alice"; empty: the room composite
};

// A LiveKit call of a start failed.
struct CallFailed {
  std::string room;
  std::string room_sid;
  std::string call;     // "ListEgress", "StartRoomCompositeEgress"
  std::string code;     // Twirp's, or the client's ("connection_error")
  std::string error;    // LiveKit's message
  std::string outcome;  // the metrics label of the code
  model::Origin origin = model::Origin::kWebhook;
  std::string subject{};  // as Started's
};

// What came of a failed call.
struct GaveUp {
  enum class Why {
    kRoomGone,      // LiveKit says the room does not exist
    kRefused,       // a permanent error: the configuration is wrong
    kTimeUp,        // transient failures for longer than retry_give_up_after
    kShuttingDown,  // the reconciler of the next start takes it
  };
  Why why = Why::kTimeUp;
  CallFailed failure;
};
struct Retrying {
  CallFailed failure;
  std::chrono::milliseconds delay{0};
  unsigned retry = 0;  // this retry's number, from 1
};
// A finished room's ListEgress failed: asked again, so its session does not close unrecorded.
struct AskingAgain {
  CallFailed failure;
  std::chrono::milliseconds delay{0};
};

// What claiming the room in Redis answered (several replicas).
struct Claimed {
  model::Claim result = model::Claim::kUnavailable;
  model::Origin origin = model::Origin::kWebhook;
  std::string room;
  std::string room_sid;
  std::string holder;  // who holds it, or why Redis failed
};

// An egress of a room ended (egress_ended, or found by the reconciler), acted on once.
struct RecordingEnded {
  std::string room;
  std::string room_sid;
  std::string egress_id;
  model::EgressStatus status = model::EgressStatus::kComplete;
  std::string error;
  std::int64_t error_code = 0;
  bool records_room = true;    // false: the application's track, web or participant egress
  bool room_finished = false;  // a failure after the room finished: nothing to restart
  bool duplicate = false;      // ours, stopped as a duplicate: any end is the one expected
  // A participant's or a track's recording (record: participants, tracks), that failed while
  // its room lives: "participant alice". Its failure is restarted as the room's is.
  std::string subject{};
};

// The room finished while its start was under way: nothing more is started.
struct StartAbandoned {
  std::string room;
  std::string room_sid;
};

// A failed recording's room: LiveKit could not say whether it lives (the reconciler will), or it
// is gone (nothing to restart).
struct RestartUnknown {
  std::string room;
  std::string code;
  std::string error;
};
struct RestartNotNeeded {
  std::string room;
  std::string room_sid;
};

// A recording this service started ran beside an older one of the same room session: stopped
// with StopEgress (`code` empty), or the stop failed (`code`, `error`; the next look tries again).
struct DuplicateStopped {
  std::string room;
  std::string room_sid;
  std::string stopped;  // our egress
  std::string kept;     // the oldest
  std::string code;
  std::string error;
};

// A room_started answered 503: too many rooms waiting to start (webhooks only; the reconciler
// counts its deferred rooms per pass).
struct Busy {
  std::string room;
  std::size_t pending = 0;
};

// A room's metadata is not a JSON object: rules that test metadata do not fit it (once a room).
struct MetadataUnparsable {
  std::string room;
  std::string room_sid;
  std::string rule;
};

// Shutting down with rooms waiting to retry: left to the reconciler of the next start.
struct RetriesAbandoned {
  std::size_t rooms = 0;
};

// A webhook that changes nothing here (participants, tracks, ingress; an egress_ended without an
// egress id).
struct WebhookIgnored {
  std::string event;
  std::string event_id;
};

// The reconciler's (recorder/reconciler.hpp).
// reconcile_interval is 0: rooms whose webhook is lost stay unrecorded.
struct ReconcilerOff {};
// This replica's part in the passes changed (several replicas share one lease in Redis).
struct ReconcilerRole {
  enum class Role { kLeader, kFollower, kWithoutRedis };
  Role role = Role::kLeader;
  std::string replica;
  std::string holder;  // the lease's holder (kFollower)
};
// A pass ended early: a call failed, or its answer did not parse. The next comes as usual.
struct PassFailed {
  std::string call;
  std::string code;
  std::string error;
};
// The ledger was not compared with LiveKit this pass: it did not answer in time, or could not.
struct LedgerNotCompared {
  bool timed_out = false;
};
// What a pass corrected in the ledger because webhooks were lost.
struct LedgerCaughtUp {
  std::size_t sessions_closed = 0;
  std::size_t recordings_refreshed = 0;
  std::size_t recordings_closed = 0;
  std::size_t ends_acted_on = 0;
};
// A pass done: the rooms listed, and what came of those without a recording.
struct PassDone {
  std::size_t rooms = 0;
  std::size_t recorded = 0;
  std::size_t starting = 0;  // sent to start (or already starting)
  std::size_t deferred = 0;  // the pending queue was full: the next pass tries again
  std::size_t skipped = 0;   // the policy does not record them
  std::size_t stopped = 0;   // their recording was stopped on purpose
};

using Event = std::variant<Skipped, Started, GaveUp, Retrying, AskingAgain, Claimed, RecordingEnded,
                           StartAbandoned, RestartUnknown, RestartNotNeeded, DuplicateStopped, Busy,
                           MetadataUnparsable, RetriesAbandoned, WebhookIgnored, ReconcilerOff,
                           ReconcilerRole, PassFailed, LedgerNotCompared, LedgerCaughtUp, PassDone>;

class Events {
 public:
  Events() = default;
  Events(const Events&) = delete;
  Events& operator=(const Events&) = delete;
  virtual ~Events() = default;

  virtual void tell(const Event& event) = 0;
};

}  // namespace ar::recorder
