#include "recorder/convergence.hpp"

#include <algorithm>

#include "recorder/ledger_entries.hpp"

namespace ar::recorder {
namespace {

bool is_final(livekit::EgressStatus status) {
  return status == livekit::EgressStatus::kComplete || livekit::is_failure(status);
}

// Widens what is known of a session's life by a recording's start and end (ms, 0: unknown).
template <typename Session>
void stretch(Session& session, std::int64_t started_ms, std::int64_t ended_ms) {
  session.last_known_ms = std::max({session.last_known_ms, started_ms, ended_ms});
}

constexpr std::int64_t kNsPerMs = 1'000'000;

std::uint64_t hash_of(std::string_view sid) {
  return std::hash<std::string_view>{}(sid);
}

}  // namespace

Convergence::Convergence(ledger::Unsettled unsettled, const Alive& before) {
  sessions_.reserve(unsettled.sessions.size());
  for (ledger::UnsettledSession& s : unsettled.sessions) {
    // Listed alive by the previous pass: it lived at least until then.
    const std::int64_t seen_ms = before.sids.contains(hash_of(s.sid)) ? before.at_ms : 0;
    sessions_.emplace(std::move(s.sid),
                      Session{std::move(s.name), s.started_ms, s.finished_ms, seen_ms});
  }
  recordings_.reserve(unsettled.recordings.size());
  for (ledger::UnsettledRecording& r : unsettled.recordings) {
    if (const auto session = sessions_.find(r.room_sid); session != sessions_.end()) {
      stretch(session->second, r.started_ms, r.ended_ms);
    }
    const bool final = is_final(livekit::status_named(r.status));
    recordings_.emplace(std::move(r.egress_id),
                        Recording{std::move(r.room_sid), std::move(r.status), final, r.ended_ms > 0,
                                  r.closed_by_ledger, false});
  }
}

void Convergence::egress(const livekit::EgressInfo& egress) {
  const std::string_view status = livekit::to_string(egress.status);
  const bool final = is_final(egress.status);
  const std::int64_t started_ms = egress.results.started_at_ns / kNsPerMs;
  const std::int64_t ended_ms = egress.results.ended_at_ns / kNsPerMs;
  if (const auto known = recordings_.find(egress.egress_id); known != recordings_.end()) {
    Recording& r = known->second;
    r.listed = true;
    // Active, as the ledger has it already, changes nothing: the ledger is written only when
    // LiveKit says more.
    const bool changed = r.status != status || r.closed || (final && !r.end_known && ended_ms > 0);
    if (!changed) return;
    livekit::EgressInfo update = egress;
    if (update.room_id.empty()) update.room_id = r.room_sid;
    if (const auto session = sessions_.find(r.room_sid); session != sessions_.end()) {
      stretch(session->second, started_ms, ended_ms);
    }
    new_ends_.push_back(final && !r.final);
    updates_.push_back(std::move(update));
    return;
  }
  // An egress of an open session that the ledger never heard of (its webhooks, and the answer
  // to the start that made it, were lost).
  if (!egress.records_room) return;
  const auto session = sessions_.find(egress.room_id);
  if (session == sessions_.end()) return;
  stretch(session->second, started_ms, ended_ms);
  recordings_.emplace(egress.egress_id, Recording{egress.room_id, std::string(status), final,
                                                  ended_ms > 0, false, true});
  new_ends_.push_back(final);
  updates_.push_back(egress);
}

void Convergence::room(const livekit::Room& room) {
  if (const auto session = sessions_.find(room.sid); session != sessions_.end()) {
    session->second.listed = true;
  }
}

std::int64_t Convergence::estimate(const Session& session, std::int64_t now_ms) {
  const std::int64_t known = std::max(session.started_ms, session.last_known_ms);
  return known > 0 ? known : now_ms;
}

Convergence::Alive Convergence::alive(std::int64_t at_ms) const {
  Alive out;
  out.at_ms = at_ms;
  for (const auto& [sid, s] : sessions_) {
    if (s.listed) out.sids.insert(hash_of(sid));
  }
  return out;
}

Convergence::Outcome Convergence::conclude(std::int64_t now_ms) const {
  Outcome out;
  for (std::size_t i = 0; i < updates_.size(); ++i) {
    out.entries.emplace_back(reported(updates_[i]));
    if (new_ends_[i]) out.ends.push_back(updates_[i]);
  }
  out.refreshed = updates_.size();
  for (const auto& [egress_id, r] : recordings_) {
    if (r.listed || r.final || r.closed) continue;
    const auto session = sessions_.find(r.room_sid);
    if (session == sessions_.end() || session->second.listed) continue;
    // LiveKit forgot it, and its room is gone: closed with what is known.
    const Session& s = session->second;
    const std::int64_t at_ms = s.finished_ms > 0 ? s.finished_ms : estimate(s, now_ms);
    out.entries.emplace_back(ledger::RecordingClosed{r.room_sid, egress_id, at_ms});
    ++out.closed;
  }
  for (const auto& [sid, s] : sessions_) {
    if (s.listed || s.finished_ms != 0) continue;
    out.gone.push_back({livekit::Room{sid, s.name, "", s.started_ms}, estimate(s, now_ms)});
  }
  return out;
}

}  // namespace ar::recorder
