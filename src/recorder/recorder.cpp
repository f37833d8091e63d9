#include "recorder/recorder.hpp"

#include <malloc.h>

#include "recorder/ledger_entries.hpp"
#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::recorder {
namespace {

using std::chrono::hours;

std::string key(std::string_view kind, std::string_view id) {
  std::string out(kind);
  out += id;
  return out;
}

}  // namespace

std::string_view to_string(Origin origin) {
  switch (origin) {
    case Origin::kWebhook:
      return "webhook";
    case Origin::kReconciler:
      return "reconciler";
    case Origin::kRestart:
      return "restart";
  }
  return "webhook";
}

Recorder::Recorder(const Parts& parts)
    : policy_(parts.policy),
      delivery_(parts.delivery),
      api_(parts.api),
      timers_(parts.timers),
      claims_(parts.claims),
      journal_(parts.journal),
      seen_(parts.delivery.dedupe_ttl, parts.delivery.dedupe_capacity),
      ledger_sessions_(parts.delivery.dedupe_capacity),
      backoff_(parts.delivery.retry_initial_delay, parts.delivery.retry_max_delay, parts.seed),
      process_key_(std::to_string(parts.seed)) {}

void Recorder::journal(ledger::Entry entry) {
  if (journal_ != nullptr) journal_->record(std::move(entry));
}

bool Recorder::ledger_lacks_session(const livekit::Room& room) {
  if (journal_ == nullptr || room.sid.empty()) return false;
  return ledger_sessions_.insert(std::hash<std::string_view>{}(room.sid));
}

void Recorder::journal_session(const livekit::Room& room, std::string_view learned_from,
                               const recording::Choice& choice) {
  journal(ledger::RoomSeen{room.sid, room.name,
                           room.created_ms > 0 ? room.created_ms : timers_.wall_ms(),
                           std::string(learned_from), room.metadata});
  journal(ledger::Decided{room.sid, choice.recording != nullptr, std::string(choice.rule)});
}

std::size_t Recorder::pending() const {
  const std::lock_guard lock(mutex_);
  return attempts_.size();
}

void Recorder::shut_down() {
  const std::lock_guard lock(mutex_);
  shutting_down_ = true;
  std::vector<std::string> abandoned;
  for (auto& [name, attempt] : attempts_) {
    if (!attempt.retry_timer) continue;
    cancel_retry(attempt);
    // A finished room whose recordings could not be listed closes with what is known.
    if (attempt.finished) journal(std::move(*attempt.finished));
    abandoned.push_back(name);
  }
  // Released, so the replica running the reconciler may take the room at once. Gone from the
  // rooms under way: a room_finished that comes now goes straight to the ledger.
  for (const std::string& name : abandoned) finish(name);
  if (!abandoned.empty()) {
    log::warn("shutting down: rooms waiting to retry are left to the reconciler of the next start",
              {{"rooms", std::to_string(abandoned.size())}});
  }
}

Verdict Recorder::on_webhook(const livekit::WebhookEvent& event) {
  // Most webhooks (participants, tracks, ingress) change nothing here: no lock, and no entry in
  // the dedupe memory, where their ids would push out the room sids that matter.
  if (event.kind == livekit::EventKind::kOther) {
    log::debug("webhook ignored", {{"event", event.event}, {"event_id", event.id}});
    return Verdict::kAccepted;
  }
  const auto now = timers_.now();
  const std::lock_guard lock(mutex_);
  if (!event.id.empty() && seen_.contains(key("ev:", event.id), now)) {
    log::info("skipped: duplicate webhook", {{"event", event.event}, {"event_id", event.id}});
    metrics::recording_skipped("duplicate_event");
    return Verdict::kDuplicate;
  }

  Verdict verdict = Verdict::kAccepted;
  switch (event.kind) {
    case livekit::EventKind::kRoomStarted: {
      if (!event.room) break;  // the parser refuses such an event
      const livekit::Room& room = *event.room;
      if (!room.sid.empty() && seen_.contains(key("sid:", room.sid), now)) {
        log::info("skipped: room_started already handled for this room",
                  {{"room", room.name}, {"room_sid", room.sid}, {"event_id", event.id}});
        metrics::recording_skipped("duplicate_room");
        verdict = Verdict::kDuplicate;
        break;
      }
      verdict = ensure_locked(room, Origin::kWebhook, event.id);
      const bool decided = verdict == Verdict::kAccepted || verdict == Verdict::kSkipped ||
                           verdict == Verdict::kStopped;
      if (decided && !room.sid.empty()) seen_.insert(key("sid:", room.sid), now);
      break;
    }
    case livekit::EventKind::kRoomFinished:
      if (event.room) {
        // When LiveKit says it happened: a webhook may arrive long after (LiveKit's retries).
        const std::int64_t at_ms = livekit::room_created_ms(0, event.created_at);
        on_room_finished(*event.room, now, at_ms > 0 ? at_ms : timers_.wall_ms(), "");
      }
      break;
    case livekit::EventKind::kEgressStarted:
    case livekit::EventKind::kEgressUpdated:
      if (event.egress && event.egress->records_room) journal(reported(*event.egress));
      break;
    case livekit::EventKind::kEgressEnded:
      if (event.egress) {
        if (event.egress->records_room) journal(reported(*event.egress));
        on_recording_ended(*event.egress);
      } else {
        log::debug("egress_ended without an egress id: nothing to act on",
                   {{"event_id", event.id}});
      }
      break;
    case livekit::EventKind::kOther:
      break;
  }
  // A 503 must not mark the event seen: LiveKit's retry of it has to get through.
  const bool handled = verdict == Verdict::kAccepted || verdict == Verdict::kDuplicate ||
                       verdict == Verdict::kSkipped || verdict == Verdict::kStopped;
  if (handled && !event.id.empty()) seen_.insert(key("ev:", event.id), now);
  return verdict;
}

void Recorder::on_room_finished(const livekit::Room& room, TimePoint now, std::int64_t at_ms,
                                std::string_view closed_by) {
  if (!room.sid.empty()) seen_.insert(key("fin:", room.sid), now);
  // The first the ledger hears of this session (room_finished overtook room_started, or both
  // came while the service was down): what the policy would have decided still counts. A
  // session the reconciler closes is in the ledger already.
  if (closed_by.empty() && ledger_lacks_session(room)) {
    journal_session(room, "webhook", policy_.choose(room.name, room.metadata));
  }
  ledger::RoomFinished end{room.sid, at_ms, room.name, room.created_ms, std::string(closed_by)};
  // Its failures no longer make a next session of the name a restart.
  if (!room.name.empty()) {
    history_.erase(room.name);
  } else {
    std::erase_if(history_, [&room](const auto& h) { return h.second.sid == room.sid; });
  }
  Attempt* attempt = attempt_for(room);
  if (attempt == nullptr) return journal(std::move(end));
  if (attempt->finished) {
    // Told twice (the webhook, and the reconciler): LiveKit's time replaces the estimate.
    if (closed_by.empty() && !attempt->finished->closed_by.empty()) {
      attempt->finished = std::move(end);
    }
    return;
  }
  log::info("room finished before its recording started: stopped trying",
            {{"room", attempt->room.name}, {"room_sid", room.sid}});
  attempt->finished = std::move(end);
  // Waiting to retry: look now. Otherwise a call is under way, and its answer concludes.
  if (attempt->retry_timer) {
    cancel_retry(*attempt);
    check_then_start(attempt->room.name, attempt->id);
  }
}

// The start under way for this room session: by name, or by sid when only that is known.
Recorder::Attempt* Recorder::attempt_for(const livekit::Room& room) {
  if (room.name.empty()) {
    if (room.sid.empty()) return nullptr;
    for (auto& [name, attempt] : attempts_) {
      if (attempt.room.sid == room.sid) return &attempt;
    }
    return nullptr;
  }
  auto it = attempts_.find(room.name);
  if (it == attempts_.end()) return nullptr;
  const std::string& sid = it->second.room.sid;
  return room.sid.empty() || sid.empty() || sid == room.sid ? &it->second : nullptr;
}

// If its room_finished comes after all (or came after the pass read the ledger), the ledger keeps
// LiveKit's time instead of the estimate.
void Recorder::on_room_gone(const livekit::Room& room, std::int64_t finished_ms) {
  const std::lock_guard lock(mutex_);
  on_room_finished(room, timers_.now(), finished_ms, "reconciler");
}

void Recorder::on_egress_end_found(const livekit::EgressInfo& egress, const livekit::Room* listed) {
  const std::lock_guard lock(mutex_);
  on_recording_ended(egress, PassSaw{listed});
}

Verdict Recorder::ensure_recording(const livekit::Room& room, Origin origin) {
  const std::lock_guard lock(mutex_);
  return ensure_locked(room, origin);
}

Recorder::History* Recorder::prune_history(const std::string& room_name, TimePoint now) {
  auto it = history_.find(room_name);
  if (it == history_.end()) return nullptr;
  History& h = it->second;
  for (auto* times : {&h.failures, &h.restarts}) {
    while (!times->empty() && times->front() + hours(1) <= now) times->pop_front();
  }
  if (h.failures.empty() && h.restarts.empty()) {
    history_.erase(it);
    return nullptr;
  }
  return &h;
}

Verdict Recorder::ensure_locked(const livekit::Room& room, Origin origin, std::string_view event_id,
                                std::string_view replaces_egress) {
  const auto now = timers_.now();
  const std::string_view from = to_string(origin);
  if (!room.sid.empty() && seen_.contains(key("fin:", room.sid), now)) {
    log::info("skipped: room already finished",
              {{"room", room.name}, {"room_sid", room.sid}, {"origin", from}});
    metrics::recording_skipped("room_finished");
    return Verdict::kAccepted;
  }
  if (!room.sid.empty() && stopped_.contains(room.sid)) {
    report_stop(room, from, now);
    return Verdict::kStopped;
  }
  recording::Choice choice;
  if (!chosen_by_policy(room, from, now, choice)) return Verdict::kSkipped;
  if (shutting_down_) return Verdict::kShuttingDown;
  if (attempts_.contains(room.name)) {
    log::debug("skipped: a start for this room is already under way",
               {{"room", room.name}, {"origin", from}});
    return Verdict::kAccepted;
  }
  // After a recording failed mid-room, every new start is a restart, whoever asks for it; it
  // enters the budget once its check finds no recording (count_restart). At the limit, none starts.
  History* history = prune_history(room.name, now);
  const bool is_restart = history != nullptr && !history->failures.empty();
  if (is_restart && !within_restart_limit(*history, room, from)) return Verdict::kAccepted;
  if (attempts_.size() >= delivery_.max_pending_starts) {
    // A webhook answered 503 is worth a line each; the reconciler counts its deferred rooms in
    // one line per pass (30 000 rooms made 20 000 lines a pass).
    if (origin != Origin::kReconciler) {
      log::warn("busy: too many rooms waiting to start, answering 503",
                {{"room", room.name}, {"pending", std::to_string(attempts_.size())}});
    }
    return Verdict::kBusy;
  }

  Attempt& attempt = attempts_[room.name];
  most_pending_ = std::max(most_pending_, attempts_.size());
  attempt.id = next_attempt_id_++;
  attempt.room = room;
  attempt.origin = origin;
  attempt.recording = choice.recording;
  attempt.rule = choice.rule;
  attempt.first_try = now;
  attempt.event_id = event_id;
  attempt.replaces_egress = replaces_egress;
  if (claims_ != nullptr) {
    claim_then_check(room.name, attempt.id);
  } else {
    log::debug("checking for an active recording", {{"room", room.name}, {"origin", from}});
    check_then_start(room.name, attempt.id);
  }
  return Verdict::kAccepted;
}

bool Recorder::within_restart_limit(History& history, const livekit::Room& room,
                                    std::string_view origin) {
  if (history.restarts.size() < delivery_.max_restarts_per_hour) return true;
  if (!history.limit_reported) {
    history.limit_reported = true;
    log::error("not restarted: restart limit reached for this room",
               {{"room", room.name},
                {"room_sid", room.sid},
                {"restarts_last_hour", std::to_string(history.restarts.size())},
                {"origin", origin}});
  }
  metrics::recording_skipped("restart_limit");
  return false;
}

bool Recorder::chosen_by_policy(const livekit::Room& room, std::string_view origin, TimePoint now,
                                recording::Choice& choice) {
  choice = policy_.choose(room.name, room.metadata);
  const std::string& id = room.sid.empty() ? room.name : room.sid;
  // Once per room session: the reconciler meets a skipped room on every pass.
  if (ledger_lacks_session(room)) {
    journal_session(room, origin == "reconciler" ? "reconciler" : "webhook", choice);
  }
  if (choice.metadata_unparsable && !seen_.contains(key("meta:", id), now)) {
    seen_.insert(key("meta:", id), now);
    log::warn("room metadata is not a JSON object: rules that test metadata do not fit this room",
              {{"room", room.name}, {"room_sid", room.sid}, {"rule", choice.rule}});
  }
  if (choice.recording != nullptr) return true;
  // The reconciler meets a skipped room on every pass: say it once.
  if (!seen_.contains(key("skip:", id), now)) {
    seen_.insert(key("skip:", id), now);
    log::info(
        "skipped: the recording policy says not to record this room",
        {{"room", room.name}, {"room_sid", room.sid}, {"rule", choice.rule}, {"origin", origin}});
    metrics::recording_skipped("rule");
  }
  return false;
}

void Recorder::note_stop(const std::string& room_sid, const std::string& egress_id) {
  if (delivery_.restart_stopped_recordings || room_sid.empty()) return;
  // Stops are rare; the memory of them is bounded like the dedupe memory.
  if (stopped_.size() >= delivery_.dedupe_capacity) stopped_.erase(stopped_.begin());
  stopped_.try_emplace(room_sid, egress_id);
}

void Recorder::report_stop(const livekit::Room& room, std::string_view origin, TimePoint now) {
  if (seen_.contains(key("stop:", room.sid), now)) return;
  seen_.insert(key("stop:", room.sid), now);
  journal(ledger::StoppedOnPurpose{room.sid, stopped_.at(room.sid)});
  log::info("not restarted: recording stopped on purpose", {{"room", room.name},
                                                            {"room_sid", room.sid},
                                                            {"egress_id", stopped_.at(room.sid)},
                                                            {"origin", origin}});
  metrics::recording_skipped("stopped_on_purpose");
}

void Recorder::release_memory_soon() {
  // glibc keeps freed memory for reuse; after thousands of rooms at once that is megabytes the
  // process will not need again soon.
  timers_.after(std::chrono::seconds(1), [] { malloc_trim(0); });
}

void Recorder::on_recording_ended(const livekit::EgressInfo& egress, std::optional<PassSaw> pass) {
  const auto now = timers_.now();
  // Its webhook and the reconciler may both tell it: acted on once.
  if (seen_.contains(key("end:", egress.egress_id), now)) return;
  seen_.insert(key("end:", egress.egress_id), now);
  if (egress.records_room && egress.status == model::EgressStatus::kComplete) {
    note_stop(egress.room_id, egress.egress_id);
  }
  if (!egress.records_room || !model::is_failure(egress.status)) {
    log::debug("recording ended", {{"room", egress.room_name},
                                   {"egress_id", egress.egress_id},
                                   {"status", model::to_string(egress.status)}});
    return;
  }
  const std::string error_code = std::to_string(egress.error_code);
  const log::Fields fields = {
      {"room", egress.room_name},      {"room_sid", egress.room_id},
      {"egress_id", egress.egress_id}, {"status", model::to_string(egress.status)},
      {"error", egress.error},         {"error_code", error_code}};
  const bool room_finished =
      pass ? pass->listed == nullptr
           : !egress.room_id.empty() && seen_.contains(key("fin:", egress.room_id), now);
  metrics::recording_ended_badly(model::to_string(egress.status), room_finished);
  if (room_finished) {
    // Nothing to restart, but the file may be cut short or missing (e.g. the upload failed):
    // the operator needs to hear of it.
    log::error("recording failed after the room finished: its file may be incomplete or missing",
               fields);
    return;
  }
  History& history = history_[egress.room_name];
  history.sid = egress.room_id;
  history.failures.push_back(now);
  log::warn("recording failed mid-room: restarting if the room still exists", fields);
  // The pass that found the end listed the room a moment ago: restarted now, before the same
  // pass takes it for a room without a recording (which would not count the restart).
  if (pass) {
    ensure_locked(*pass->listed, Origin::kRestart, {}, egress.egress_id);
    return;
  }
  restart_if_room_lives(egress.room_name, egress.room_id, egress.egress_id);
}

void Recorder::restart_if_room_lives(const std::string& room_name, const std::string& room_sid,
                                     const std::string& failed_egress) {
  api_.rooms({room_name},
             [this, room_name, room_sid, failed_egress](const livekit::ApiError* error,
                                                        const std::vector<livekit::Room>& rooms) {
               const std::lock_guard lock(mutex_);
               if (error != nullptr) {
                 // Not knowing is not "gone": the reconciler looks again on its next pass.
                 log::warn("could not check whether the room still exists; the reconciler will",
                           {{"room", room_name}, {"code", error->code}, {"error", error->message}});
                 return;
               }
               for (const livekit::Room& room : rooms) {
                 if (room.name == room_name && (room_sid.empty() || room.sid == room_sid)) {
                   ensure_locked(room, Origin::kRestart, {}, failed_egress);
                   return;
                 }
               }
               log::info("room is gone: recording not restarted",
                         {{"room", room_name}, {"room_sid", room_sid}});
             });
}

}  // namespace ar::recorder
