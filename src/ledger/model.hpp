#pragma once
// What the ledger keeps of a room session and its recordings: plain data, as stored and as the
// report and the API show it. Times are milliseconds since the Unix epoch, 0 when unknown.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/outbox.hpp"
#include "model/egress_status.hpp"
#include "model/recording_kind.hpp"
#include "model/session_status.hpp"

namespace ar::ledger {

// One status per room session, from the vocabulary (model/session_status.hpp): the ledger
// derives it (status_of) and stores its name.
using Status = model::SessionStatus;

struct File {
  std::string filename;
  std::string location;
  std::int64_t size = 0;
  double duration_seconds = 0;
};

// Whom a participant's or a track's recording records (record: participants, tracks).
struct Subject {
  model::RecordingKind kind = model::RecordingKind::kParticipant;  // or kTrack
  std::string sid;          // the participant sid, or the track sid
  std::string participant;  // the participant's identity; a track's publisher
  std::string track_id;     // a track's sid; empty for a participant
};

// A participant or track the rule asked to record, whose recording could not be started (the
// start was refused, or given up): the session is partial until one starts.
struct Missing {
  Subject subject;
  std::string error;
};

struct Recording {
  std::string egress_id;
  // What it records: the room (room composite), a participant, or a track.
  model::RecordingKind kind = model::RecordingKind::kRoomComposite;
  std::string participant;  // a participant recording's identity; a track's publisher if known
  std::string track_id;     // a track recording's track
  model::EgressStatus status = model::EgressStatus::kStarting;  // the last LiveKit reported
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;
  std::string error;
  std::vector<File> files;
  std::string playlist_location;  // HLS segments
  std::int64_t segment_count = 0;
  std::int64_t image_count = 0;
  std::string manifest_location;
  std::int64_t retry_count = 0;      // times egress retried it (egress 1.14+)
  bool backup_storage_used = false;  // its files are in egress's backup storage, not the rule's
  // Stopped as a duplicate of this older recording of the session ("stopped: duplicate").
  std::string duplicate_of;
  bool stopped_on_purpose = false;  // ended EGRESS_COMPLETE while its room lived on
  bool restart = false;             // started again after a recording of the room failed
  // "reconciler" when the ledger closed it itself: LiveKit no longer listed it, and its room was
  // gone, before the ledger learned how it ended. Its status is the last one LiveKit reported.
  std::string closed_by;
};

// One room session as the ledger keeps it (LiveKit's room is livekit::Room; the claim key of
// several replicas is coordination::ClaimKey).
struct Session {
  std::string sid;
  std::string name;
  std::int64_t started_ms = 0;   // the room's creation time (LiveKit's), else when first seen
  std::int64_t finished_ms = 0;  // 0 while the room lives (as far as the ledger knows)
  std::string learned_from;      // "webhook" or "reconciler"
  std::string metadata;          // the room's metadata (often JSON), as LiveKit had it
  std::string decision;          // "record", "skip", or "" before the policy decided
  std::string rule;              // the rule that decided ("top level", "rules[2] (classes)")
  // What the rule asked to record, as recording kind names ("room_composite,participant");
  // empty in sessions decided before the ledger kept it: the room composite alone.
  std::string asked;
  std::vector<Missing> missing;         // participants and tracks whose recording did not start
  std::string start_error;              // the last reason a start failed, when none started
  std::int64_t retries = 0;             // starts retried after a transient failure
  std::int64_t restarts = 0;            // recordings started again after one failed mid-room
  std::int64_t first_recording_ms = 0;  // when the first recording started
  std::size_t metadata_bytes = 0;  // the metadata's length, more than it holds when a list cut it
  // "reconciler" when the session's end was inferred: its room_finished never came, and LiveKit
  // no longer listed the room. finished_ms is then the ledger's best estimate (docs/ledger.md).
  std::string closed_by;
  std::int64_t changed_ms = 0;          // when the ledger last saw the status change (its clock)
  std::vector<Recording> recordings;    // oldest first
  Status status = Status::kUnrecorded;  // derived by status_of
  // Its notifications and how their delivery went: read for one session only (Store::room).
  std::vector<Notification> notifications{};
};

// What the ledger adds to the vocabulary's questions (model::is_active, is_failure, is_final of
// r.status): a recording egress still works on and whose end the ledger has not closed itself;
// one the ledger closed without ever learning how it ended.
bool recording_active(const Recording& r);
bool recording_end_unknown(const Recording& r);

// The session's one status, from what the ledger knows of it.
Status status_of(const Session& room);

// Why the session has its status, in a few words for people and notifications: "recording
// EG_x ended EGRESS_FAILED: <error>", "participant alice not recorded: <error>". Empty for
// recorded and recording.
std::string reason_of(const Session& room);

// Whether the session's rule asked for recordings of this kind (never when it skipped the room).
bool asks_for(const Session& room, model::RecordingKind kind);

// The session is over: its room finished and no recording of it is still starting, active or
// ending. Its status is then final.
bool ended(const Session& room);

// Seconds of the meeting missing from the start of its first recording; -1 when none started.
double start_delay_seconds(const Session& room);

}  // namespace ar::ledger
