#pragma once
// What the recorder tells the ledger, as it happens: one entry per decision or report. Entries
// carry the room session's sid; the ledger keeps one row per session and one per recording.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "ledger/model.hpp"

namespace ar::ledger {

// The recorder heard of a room session (its room_started, or a reconcile pass).
struct RoomSeen {
  std::string sid;
  std::string name;
  std::int64_t started_ms = 0;
  std::string learned_from;  // "webhook" or "reconciler"
  std::string metadata;      // the room's metadata as LiveKit has it; empty when it has none
};

// The policy's decision for the session: whether it records anything, and what (recording kind
// names, "room_composite,participant": Session::asked).
struct Decided {
  std::string sid;
  bool record = true;
  std::string rule;
  std::string asked{};
};

// A start failed for a transient reason and is retried. `key` names this retry among all
// (process, attempt, retry number), so that the same entry applied twice counts once.
struct StartRetried {
  std::string sid;
  std::string error;
  std::string key;
};

// A start failed for good (refused, given up, shutting down): the room's composite, or a
// participant's or track's recording (`subject`, boxed as in EgressReported), which the session
// then misses until one of it starts.
struct StartFailed {
  std::string sid;
  std::string error;
  std::shared_ptr<const Subject> subject{};
};

struct RecordingStarted {
  std::string sid;
  std::string egress_id;
  std::int64_t at_ms = 0;
  bool restart = false;                      // after a recording failed mid-room
  std::shared_ptr<const Subject> subject{};  // a participant's or track's; null: the room's
};

// What egress reported of a recording (egress_started, egress_updated, egress_ended). The
// recording is boxed: every entry in the ledger's queue takes the size of the largest kind, and
// a burst of 10 000 rooms queues 30 000 entries.
class EgressReported {
 public:
  EgressReported(std::string sid_, std::string room_name_, Recording recording)
      : sid(std::move(sid_)),
        room_name(std::move(room_name_)),
        recording_(std::make_shared<const Recording>(std::move(recording))) {}

  const Recording& recording() const { return *recording_; }

  std::string sid;
  std::string room_name;

 private:
  std::shared_ptr<const Recording> recording_;
};

// A recording ended EGRESS_COMPLETE while its room lived on.
struct StoppedOnPurpose {
  std::string sid;
  std::string egress_id;
};

// A recording this service started ran beside `kept`, an older recording of the same session,
// and was stopped with StopEgress (recorder/duplicates.hpp): "stopped: duplicate".
struct StoppedAsDuplicate {
  std::string sid;
  std::string egress_id;
  std::string kept;
};

// room_finished: the session ended (it may be the first the ledger hears of it). Or the reconciler
// found the room gone from ListRooms without its room_finished (closed_by "reconciler", at_ms
// the best estimate); a room_finished that comes later replaces the estimate.
struct RoomFinished {
  std::string sid;
  std::int64_t at_ms = 0;
  std::string name;
  std::int64_t started_ms = 0;  // 0 when LiveKit did not say
  std::string closed_by;        // "" from LiveKit's webhook, "reconciler" when inferred
};

// LiveKit no longer lists a recording the ledger holds as not ended, and its room is gone: it
// forgot the egress (after about 24 h) before the ledger learned how it ended. Closed with what is
// known (closed_by "reconciler"); a report of its end that still comes replaces that.
struct RecordingClosed {
  std::string sid;
  std::string egress_id;
  std::int64_t at_ms = 0;
};

using Entry =
    std::variant<RoomSeen, Decided, StartRetried, StartFailed, RecordingStarted, EgressReported,
                 StoppedOnPurpose, StoppedAsDuplicate, RoomFinished, RecordingClosed>;

// About how much memory the entry holds: its own size, what its strings hold (a room's metadata
// can be 900 KiB), and a recording's files. Cheap (sizes, no allocation), and the same every time
// for the same entry, so that a queue can count its bytes in and out.
std::size_t estimated_size(const Entry& entry);

// Where the recorder sends entries. Never blocks and never fails: the ledger writes on its own
// thread, and a ledger that is behind or down must not slow recording.
class Journal {
 public:
  Journal() = default;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  virtual ~Journal() = default;

  virtual void record(Entry entry) = 0;
};

}  // namespace ar::ledger
