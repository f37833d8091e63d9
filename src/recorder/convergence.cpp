#include "recorder/convergence.hpp"

#include <algorithm>
#include <functional>

#include "recorder/ledger_entries.hpp"
#include "util/text.hpp"

namespace ar::recorder {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

template <typename Item>
std::vector<std::pair<std::uint64_t, std::uint32_t>> index_by(const std::vector<Item>& items,
                                                              std::string Item::*field) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> index;
  index.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    index.emplace_back(util::hash_of(items[i].*field), static_cast<std::uint32_t>(i));
  }
  std::sort(index.begin(), index.end());
  return index;
}

}  // namespace

template <typename Item>
long Convergence::find(const Index& index, const std::vector<Item>& items, std::string_view key,
                       std::string Item::*field) {
  const std::uint64_t hash = util::hash_of(key);
  for (auto it = std::lower_bound(index.begin(), index.end(), std::pair(hash, std::uint32_t{0}));
       it != index.end() && it->first == hash; ++it) {
    if (items[it->second].*field == key) return it->second;
  }
  return -1;
}

Convergence::Convergence(ledger::Unsettled unsettled, const Alive& before, std::int64_t read_ms)
    : ledger_(std::move(unsettled)),
      read_ms_(read_ms),
      sessions_by_sid_(index_by(ledger_.sessions, &ledger::UnsettledSession::sid)),
      recordings_by_id_(index_by(ledger_.recordings, &ledger::UnsettledRecording::egress_id)),
      sessions_(ledger_.sessions.size()),
      recordings_(ledger_.recordings.size()) {
  for (std::size_t i = 0; i < ledger_.sessions.size(); ++i) {
    // Listed alive by the previous pass: it lived at least until then.
    if (std::binary_search(before.sids.begin(), before.sids.end(),
                           util::hash_of(ledger_.sessions[i].sid))) {
      sessions_[i].last_known_ms = before.at_ms;
    }
  }
  for (std::size_t i = 0; i < ledger_.recordings.size(); ++i) {
    const ledger::UnsettledRecording& r = ledger_.recordings[i];
    recordings_[i].final = model::is_final(r.status);
    const long session =
        find(sessions_by_sid_, ledger_.sessions, r.room_sid, &ledger::UnsettledSession::sid);
    if (session >= 0) {
      std::int64_t& last = sessions_[static_cast<std::size_t>(session)].last_known_ms;
      last = std::max({last, r.started_ms, r.ended_ms});
    }
  }
}

void Convergence::egress(const livekit::EgressInfo& egress) {
  const bool final = model::is_final(egress.status);
  const std::int64_t started_ms = egress.results.started_at_ns / kNsPerMs;
  const std::int64_t ended_ms = egress.results.ended_at_ns / kNsPerMs;
  // Notes what the egress tells of its session; false when the session is not open.
  const auto note = [&](std::string_view sid, bool new_end) {
    const long session =
        find(sessions_by_sid_, ledger_.sessions, sid, &ledger::UnsettledSession::sid);
    if (session < 0) return false;
    SessionState& state = sessions_[static_cast<std::size_t>(session)];
    state.last_known_ms = std::max({state.last_known_ms, started_ms, ended_ms});
    state.ended_now = state.ended_now || new_end;
    return true;
  };
  const long known = find(recordings_by_id_, ledger_.recordings, egress.egress_id,
                          &ledger::UnsettledRecording::egress_id);
  if (known >= 0) {
    const ledger::UnsettledRecording& r = ledger_.recordings[static_cast<std::size_t>(known)];
    RecordingState& state = recordings_[static_cast<std::size_t>(known)];
    state.listed = true;
    // Active, as the ledger has it already, changes nothing: the ledger is written only when
    // LiveKit says more.
    // Closed by a pass, then listed after all: LiveKit's end replaces the one inferred (only a
    // final report clears closed_by, so a listing that is not final would repeat every pass).
    const bool changed = r.status != egress.status || (r.closed_by_ledger && final) ||
                         (final && r.ended_ms == 0 && ended_ms > 0);
    if (!changed) return;
    livekit::EgressInfo update = egress;
    if (update.room_id.empty()) update.room_id = r.room_sid;
    const bool new_end = final && !state.final;
    note(r.room_sid, new_end);
    new_ends_.push_back(new_end);
    updates_.push_back(std::move(update));
    return;
  }
  // An egress of an open session that the ledger never heard of (its webhooks, and the answer
  // to the start that made it, were lost).
  if (!ledger_keeps(egress)) return;
  if (!final && (started_ms == 0 || started_ms > read_ms_ - kSettledMs)) return;
  if (!note(egress.room_id, final)) return;
  new_ends_.push_back(final);
  updates_.push_back(egress);
}

void Convergence::room(const livekit::Room& room) {
  const long session =
      find(sessions_by_sid_, ledger_.sessions, room.sid, &ledger::UnsettledSession::sid);
  if (session < 0) return;
  SessionState& state = sessions_[static_cast<std::size_t>(session)];
  state.listed = true;
  if (state.ended_now) rooms_ended_now_.emplace_back(static_cast<std::uint32_t>(session), room);
}

std::int64_t Convergence::estimate(std::size_t session, std::int64_t now_ms) const {
  const std::int64_t known =
      std::max(ledger_.sessions[session].started_ms, sessions_[session].last_known_ms);
  return known > 0 ? known : now_ms;
}

Convergence::Alive Convergence::alive(std::int64_t at_ms) const {
  Alive out;
  out.at_ms = at_ms;
  for (std::size_t i = 0; i < sessions_.size(); ++i) {
    if (sessions_[i].listed) out.sids.push_back(util::hash_of(ledger_.sessions[i].sid));
  }
  std::sort(out.sids.begin(), out.sids.end());
  return out;
}

Convergence::Outcome Convergence::conclude(std::int64_t now_ms) const {
  Outcome out;
  for (std::size_t i = 0; i < updates_.size(); ++i) {
    out.entries.emplace_back(reported(updates_[i]));
    if (!new_ends_[i]) continue;
    End& end = out.ends.emplace_back(End{updates_[i], std::nullopt});
    const long session = find(sessions_by_sid_, ledger_.sessions, updates_[i].room_id,
                              &ledger::UnsettledSession::sid);
    for (const auto& [listed, room] : rooms_ended_now_) {
      if (static_cast<long>(listed) == session) end.room = room;
    }
  }
  out.refreshed = updates_.size();
  for (std::size_t i = 0; i < ledger_.recordings.size(); ++i) {
    const ledger::UnsettledRecording& r = ledger_.recordings[i];
    if (recordings_[i].listed || recordings_[i].final || r.closed_by_ledger) continue;
    const long found =
        find(sessions_by_sid_, ledger_.sessions, r.room_sid, &ledger::UnsettledSession::sid);
    if (found < 0 || sessions_[static_cast<std::size_t>(found)].listed) continue;
    // LiveKit forgot it, and its room is gone: closed with what is known.
    const auto session = static_cast<std::size_t>(found);
    const std::int64_t finished = ledger_.sessions[session].finished_ms;
    out.entries.emplace_back(ledger::RecordingClosed{
        r.room_sid, r.egress_id, finished > 0 ? finished : estimate(session, now_ms)});
    ++out.closed;
  }
  for (std::size_t i = 0; i < ledger_.sessions.size(); ++i) {
    const ledger::UnsettledSession& s = ledger_.sessions[i];
    if (sessions_[i].listed || s.finished_ms != 0) continue;
    out.gone.push_back({livekit::Room{s.sid, "", "", s.started_ms}, estimate(i, now_ms)});
  }
  return out;
}

}  // namespace ar::recorder
