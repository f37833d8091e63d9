#pragma once
// What LiveKit reports of an egress (EgressInfo), read once into one type: from a ListEgress
// answer, a StartRoomCompositeEgress answer, or an egress_ended webhook.
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/egress_status.hpp"
#include "model/recording_kind.hpp"

namespace ar::livekit {

// The status is the vocabulary's (model/egress_status.hpp): livekit parses into it.
using model::EgressStatus;
using model::RecordingKind;

// A file egress wrote (FileInfo).
struct EgressFile {
  std::string filename;
  std::string location;
  std::int64_t size = 0;
  std::int64_t duration_ns = 0;
};

// What a recording produced, as egress reports it when it updates or ends. Kept by the ledger.
struct EgressResults {
  std::int64_t started_at_ns = 0;
  std::int64_t ended_at_ns = 0;
  std::vector<EgressFile> files;
  std::string playlist_location;     // the first segment output's
  std::int64_t segment_outputs = 0;  // segment results listed (HLS outputs)
  std::int64_t segment_count = 0;    // segments over all of them
  std::int64_t image_count = 0;
  std::string manifest_location;
  std::int64_t retry_count = 0;      // times egress retried the recording (egress 1.14+)
  bool backup_storage_used = false;  // uploaded to egress's backup storage, not the request's
};

struct EgressInfo {
  std::string egress_id;
  std::string room_id;  // the room session's sid
  std::string room_name;
  std::string error;
  std::int64_t error_code = 0;  // egress's own code for the error (an HTTP-like status)
  EgressStatus status = EgressStatus::kStarting;
  // What it records, by its request: a room composite whichever API started it
  // (StartRoomCompositeEgress, or StartEgress with a template source, livekit-server 1.13.2+).
  RecordingKind kind = RecordingKind::kOther;
  // Its request asks for files: a file or segment (HLS) output. A composite that only streams
  // (RTMP, SRT) or takes images leaves no recording, so it is never taken for a duplicate of one.
  bool writes_files = false;
  // Whom it records: a participant egress's identity (StartParticipantEgress, or StartEgress with
  // a media source of one participant), a track egress's track id; empty for the others.
  std::string subject;
  EgressResults results;  // from webhooks and ListEgress answers alike

  // A recording of the whole room: the kind the recorder starts and keeps.
  bool records_room() const { return kind == RecordingKind::kRoomComposite; }
};

// The kind an EgressInfo's request field names ("roomComposite" or "room_composite", ...), or
// nullopt for a field that is not a request. The unified request ("egress") is told apart by its
// source field ("template", "web", "media"; nullopt for its other fields).
std::optional<RecordingKind> request_kind(std::string_view field);
std::optional<RecordingKind> unified_request_kind(std::string_view field);

// An EGRESS_COMPLETE that recorded nothing is a failure (egress#944: a file of size 0 with an
// empty location): a file result of size 0 or without a location, or segment results without a
// segment. Its status becomes EGRESS_FAILED and its error says why, so that the recorder restarts
// it while the room lives, the ledger counts the session partial and the metrics count a failure.
// Both readers of EgressInfo (below, and livekit/list_reader.hpp) apply it.
void fail_if_empty(EgressInfo& egress);

// Whether a request object's field names an output that writes files: legacy requests'
// fileOutputs/segmentOutputs (or the older single file/segments), the unified Output's file or
// segments. Either naming.
bool names_file_output(std::string_view field);

// An EgressInfo JSON object (lowerCamelCase or proto names); nullopt without an egress id.
std::optional<EgressInfo> read_egress_info(const boost::json::object& object);

// A StartRoomCompositeEgress answer.
std::optional<EgressInfo> parse_egress_info(std::string_view text);

}  // namespace ar::livekit
