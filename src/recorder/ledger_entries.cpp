#include "recorder/ledger_entries.hpp"

namespace ar::recorder {
namespace {

std::int64_t ns_to_ms(std::int64_t ns) {
  return ns / 1'000'000;
}

}  // namespace

ledger::EgressReported reported(const livekit::EgressInfo& egress) {
  ledger::Recording r;
  r.egress_id = egress.egress_id;
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

}  // namespace ar::recorder
