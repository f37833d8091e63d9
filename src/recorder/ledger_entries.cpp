#include "recorder/ledger_entries.hpp"

namespace ar::recorder {
namespace {

std::int64_t ns_to_ms(std::int64_t ns) {
  return ns / 1'000'000;
}

}  // namespace

bool ledger_keeps(const livekit::EgressInfo& egress) {
  return egress.records_room() || model::is_subject(egress.kind);
}

ledger::EgressReported reported(const livekit::EgressInfo& egress) {
  ledger::Recording r;
  r.egress_id = egress.egress_id;
  r.kind = egress.kind;
  // The request names a participant by identity and a track by its id (EgressInfo::subject).
  if (egress.kind == model::RecordingKind::kParticipant) r.participant = egress.subject;
  if (egress.kind == model::RecordingKind::kTrack) r.track_id = egress.subject;
  r.status = egress.status;
  r.error = egress.error;
  const livekit::EgressResults& results = egress.results;
  r.started_ms = ns_to_ms(results.started_at_ns);
  r.ended_ms = ns_to_ms(results.ended_at_ns);
  for (const livekit::EgressFile& file : results.files) {
    r.files.push_back(
        {file.filename, file.location, file.size, static_cast<double>(file.duration_ns) / 1e9});
  }
  r.playlist_location = results.playlist_location;
  r.segment_count = results.segment_count;
  r.image_count = results.image_count;
  r.manifest_location = results.manifest_location;
  r.retry_count = results.retry_count;
  r.backup_storage_used = results.backup_storage_used;
  return {egress.room_id, egress.room_name, std::move(r)};
}

std::string asked_kinds(const recording::Plan* plan) {
  std::string out;
  if (plan == nullptr) return out;
  const auto add = [&out](bool asked, model::RecordingKind kind) {
    if (!asked) return;
    if (!out.empty()) out += ',';
    out += model::to_string(kind);
  };
  add(plan->record.room, model::RecordingKind::kRoomComposite);
  add(plan->record.participants, model::RecordingKind::kParticipant);
  add(plan->record.tracks, model::RecordingKind::kTrack);
  return out;
}

std::shared_ptr<const ledger::Subject> ledger_subject(const livekit::Subject& subject) {
  return std::make_shared<const ledger::Subject>(
      ledger::Subject{subject.kind, subject.sid, subject.identity,
                      subject.is_track() ? subject.sid : std::string()});
}

}  // namespace ar::recorder
