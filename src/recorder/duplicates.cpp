#include "recorder/duplicates.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

namespace ar::recorder {
namespace {

using model::RecordingKind;

// ENDING is on its way out (stopped, or its room or participant gone): never the one kept, and
// no reason to stop ours beside it.
bool runs(const livekit::EgressInfo& egress, std::string_view room_sid) {
  const bool running = egress.status == model::EgressStatus::kStarting ||
                       egress.status == model::EgressStatus::kActive;
  return running && egress.writes_files && !room_sid.empty() && egress.room_id == room_sid;
}

// What a recording records, for grouping: the room (no subject), a participant or a track;
// nullopt for the kinds this service never starts.
using Group = std::pair<RecordingKind, std::string_view>;
std::optional<Group> group_of(const livekit::EgressInfo& egress) {
  if (egress.records_room()) return Group{RecordingKind::kRoomComposite, {}};
  if (model::is_subject(egress.kind) && !egress.subject.empty()) {
    return Group{egress.kind, egress.subject};
  }
  return std::nullopt;
}

// Of a participant's recordings, those of its session now: nullopt to leave it alone.
bool of_this_session(const livekit::EgressInfo& egress, const JoinedAt* joined) {
  if (joined == nullptr) return false;
  const std::optional<std::int64_t> at = (*joined)(egress.subject);
  if (!at) return false;
  const std::int64_t started_ms = egress.results.started_at_ns / 1'000'000;
  return *at <= 0 || started_ms <= 0 || started_ms >= *at;
}

Healing heal_one(std::vector<const livekit::EgressInfo*>& running,
                 const std::function<bool(const std::string& egress_id)>& ours) {
  // An active one before any still starting (which may yet fail to start), then the oldest.
  const auto started = [](const livekit::EgressInfo* egress) {
    const std::int64_t at = egress->results.started_at_ns;
    return std::make_tuple(egress->status != model::EgressStatus::kActive,
                           at > 0 ? at : std::numeric_limits<std::int64_t>::max(),
                           std::string_view(egress->egress_id));
  };
  std::sort(running.begin(), running.end(),
            [&](const auto* a, const auto* b) { return started(a) < started(b); });
  Healing out;
  out.keep = running.front()->egress_id;
  for (auto it = running.begin() + 1; it != running.end(); ++it) {
    if (ours((*it)->egress_id)) out.stop.push_back((*it)->egress_id);
  }
  return out;
}

}  // namespace

std::vector<Healing> heal(const std::vector<livekit::EgressInfo>& egresses,
                          std::string_view room_sid,
                          const std::function<bool(const std::string& egress_id)>& ours,
                          const JoinedAt* joined) {
  std::map<Group, std::vector<const livekit::EgressInfo*>> groups;
  for (const livekit::EgressInfo& egress : egresses) {
    const std::optional<Group> group = group_of(egress);
    if (!group || !runs(egress, room_sid)) continue;
    if (group->first == RecordingKind::kParticipant && !of_this_session(egress, joined)) continue;
    groups[*group].push_back(&egress);
  }
  std::vector<Healing> out;
  for (auto& [group, running] : groups) {
    if (running.size() < 2) continue;
    out.push_back(heal_one(running, ours));
  }
  return out;
}

bool participants_doubled(const std::vector<livekit::EgressInfo>& egresses,
                          std::string_view room_sid) {
  std::map<std::string_view, int> running;
  for (const livekit::EgressInfo& egress : egresses) {
    if (egress.kind == RecordingKind::kParticipant && !egress.subject.empty() &&
        runs(egress, room_sid) && ++running[egress.subject] > 1) {
      return true;
    }
  }
  return false;
}

}  // namespace ar::recorder
