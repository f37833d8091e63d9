#include "recorder/duplicates.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace ar::recorder {

Healing heal(const std::vector<livekit::EgressInfo>& egresses, std::string_view room_sid,
             const std::function<bool(const std::string& egress_id)>& ours) {
  std::vector<const livekit::EgressInfo*> running;
  for (const livekit::EgressInfo& egress : egresses) {
    // ENDING is on its way out (stopped, or its room closing): never the one kept, and no
    // reason to stop ours beside it.
    const bool runs = egress.status == model::EgressStatus::kStarting ||
                      egress.status == model::EgressStatus::kActive;
    if (egress.records_room() && egress.writes_files && runs && !room_sid.empty() &&
        egress.room_id == room_sid) {
      running.push_back(&egress);
    }
  }
  Healing out;
  if (running.size() < 2) return out;
  // An active one before any still starting (which may yet fail to start), then the oldest.
  const auto started = [](const livekit::EgressInfo* egress) {
    const std::int64_t at = egress->results.started_at_ns;
    return std::make_tuple(egress->status != model::EgressStatus::kActive,
                           at > 0 ? at : std::numeric_limits<std::int64_t>::max(),
                           std::string_view(egress->egress_id));
  };
  std::sort(running.begin(), running.end(),
            [&](const auto* a, const auto* b) { return started(a) < started(b); });
  out.keep = running.front()->egress_id;
  for (auto it = running.begin() + 1; it != running.end(); ++it) {
    if (ours((*it)->egress_id)) out.stop.push_back((*it)->egress_id);
  }
  return out;
}

}  // namespace ar::recorder
