// Duplicates healed (recorder/duplicates.hpp decides): looked for when a recording this service
// did not start begins in a room session it records (egress_started, egress_updated), and when a
// reconcile pass lists two or more recordings of one session, participant or track. Only what
// this process started (Seen::kOurs) is ever stopped.
#include <unordered_map>

#include "recorder/duplicates.hpp"
#include "recorder/ledger_entries.hpp"
#include "recorder/recorder.hpp"

namespace ar::recorder {

void Recorder::check_duplicates(const livekit::Room& room) {
  const std::lock_guard lock(mutex_);
  // Only a session this process records can hold a recording it may stop.
  if (!memories_.knows(Seen::kOursInSession, room.sid, timers_.now())) return;
  look_for_duplicates(room.name, room.sid);
}

void Recorder::on_other_recording(const livekit::EgressInfo& egress, TimePoint now) {
  if (!delivery_.heal_duplicates || !egress.writes_files || !model::is_active(egress.status) ||
      egress.room_id.empty() || memories_.knows(Seen::kOurs, egress.egress_id, now) ||
      !memories_.knows(Seen::kOursInSession, egress.room_id, now)) {
    return;
  }
  // Once per recording: its egress_updated webhooks ask nothing more.
  if (!memories_.remember(Seen::kHealChecked, egress.egress_id, now)) return;
  look_for_duplicates(egress.room_name, egress.room_id);
}

void Recorder::look_for_duplicates(const std::string& room_name, const std::string& room_sid) {
  if (!delivery_.heal_duplicates || shutting_down_ || room_sid.empty()) return;
  api_.room_egresses(
      room_name, [this, room_name, room_sid](const livekit::ApiError* error,
                                             const std::vector<livekit::EgressInfo>& egresses) {
        const std::lock_guard lock(mutex_);
        if (error != nullptr || shutting_down_) return;  // a later pass looks again
        if (!participants_doubled(egresses, room_sid)) {
          return heal_listed(room_name, room_sid, egresses, nullptr);
        }
        // Two recordings of one identity: of one participant session, or one of an earlier
        // session still ending after a rejoin? When each participant joined tells.
        api_.participants(room_name, [this, room_name, room_sid, egresses](
                                         const livekit::ApiError* error,
                                         const std::vector<livekit::Participant>& participants) {
          const std::lock_guard lock(mutex_);
          if (shutting_down_) return;
          std::unordered_map<std::string, std::int64_t> joined_ms;
          for (const livekit::Participant& p : participants) joined_ms[p.identity] = p.joined_ms;
          const JoinedAt joined = [&](const std::string& identity) -> std::optional<std::int64_t> {
            const auto found = joined_ms.find(identity);
            if (found == joined_ms.end()) return std::nullopt;
            return found->second;
          };
          // Unanswered: the room's and tracks' duplicates are healed now, the participants' by a
          // later pass.
          heal_listed(room_name, room_sid, egresses, error == nullptr ? &joined : nullptr);
        });
      });
}

void Recorder::heal_listed(const std::string& room_name, const std::string& room_sid,
                           const std::vector<livekit::EgressInfo>& egresses,
                           const JoinedAt* joined) {
  const auto now = timers_.now();
  const auto ours = [&](const std::string& egress_id) {
    return memories_.knows(Seen::kOurs, egress_id, now);
  };
  for (const Healing& healing : heal(egresses, room_sid, ours, joined)) {
    if (healing.stop.empty()) continue;
    // The one kept records the session (or its participant, or track): the ledger hears of it as
    // of any recording LiveKit lists.
    for (const livekit::EgressInfo& egress : egresses) {
      if (egress.egress_id == healing.keep) journal(reported(egress));
    }
    for (const std::string& egress_id : healing.stop) {
      stop_duplicate(room_name, room_sid, egress_id, healing.keep);
    }
  }
}

void Recorder::stop_duplicate(const std::string& room_name, const std::string& room_sid,
                              const std::string& egress_id, const std::string& kept) {
  memories_.remember(Seen::kHealed, egress_id, timers_.now());
  api_.stop_recording(egress_id,
                      [this, room_name, room_sid, egress_id, kept](const livekit::ApiError* error) {
                        const std::lock_guard lock(mutex_);
                        DuplicateStopped told{room_name, room_sid, egress_id, kept, {}, {}};
                        if (error != nullptr) {
                          told.code = error->code;
                          told.error = error->message;
                          return tell(told);
                        }
                        journal(ledger::StoppedAsDuplicate{room_sid, egress_id, kept});
                        tell(told);
                      });
}

bool Recorder::healed(const std::string& egress_id, TimePoint now) {
  return memories_.knows(Seen::kHealed, egress_id, now);
}

}  // namespace ar::recorder
