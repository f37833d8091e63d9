#include "recorder/recorder.hpp"

#include <malloc.h>

#include "recorder/ledger_entries.hpp"

namespace ar::recorder {

using model::SkipReason;

Skipped Recorder::skipped(SkipReason reason, const livekit::Room& room, Origin origin) {
  Skipped out;
  out.reason = reason;
  out.origin = origin;
  out.room = room.name;
  out.room_sid = room.sid;
  return out;
}

Recorder::Recorder(const Parts& parts)
    : policy_(parts.policy),
      delivery_(parts.delivery),
      api_(parts.api),
      timers_(parts.timers),
      events_(parts.events),
      claims_(parts.claims),
      journal_(parts.journal),
      restarts_(parts.delivery.max_restarts_per_hour),
      stops_(parts.delivery.dedupe_capacity),
      memories_(parts.delivery.dedupe_ttl, parts.delivery.dedupe_capacity),
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
  journal(ledger::Decided{room.sid, choice.recording != nullptr, std::string(choice.rule),
                          asked_kinds(choice.recording)});
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
  if (!abandoned.empty()) tell(RetriesAbandoned{abandoned.size()});
}

Verdict Recorder::on_webhook(const livekit::WebhookEvent& event) {
  // Most webhooks (participants, tracks, ingress) change nothing here: no lock, and no entry in
  // the dedupe memory, where their ids would push out the room sids that matter.
  const bool subject = event.kind == livekit::EventKind::kParticipantJoined ||
                       event.kind == livekit::EventKind::kTrackPublished;
  // Participants and tracks matter only where a rule records them.
  if (event.kind == livekit::EventKind::kOther || (subject && !policy_.records_subjects())) {
    tell(WebhookIgnored{event.event, event.id});
    return Verdict::kAccepted;
  }
  const auto now = timers_.now();
  const std::lock_guard lock(mutex_);
  if (!event.id.empty() && memories_.knows(Seen::kEvent, event.id, now)) {
    Skipped duplicate;
    duplicate.reason = SkipReason::kDuplicateEvent;
    duplicate.event = event.event;
    duplicate.event_id = event.id;
    tell(duplicate);
    return Verdict::kDuplicate;
  }

  Verdict verdict = Verdict::kAccepted;
  switch (event.kind) {
    case livekit::EventKind::kRoomStarted: {
      if (!event.room) break;  // the parser refuses such an event
      const livekit::Room& room = *event.room;
      if (!room.sid.empty() && memories_.knows(Seen::kSessionStarted, room.sid, now)) {
        Skipped duplicate = skipped(SkipReason::kDuplicateRoom, room, Origin::kWebhook);
        duplicate.event_id = event.id;
        tell(duplicate);
        verdict = Verdict::kDuplicate;
        break;
      }
      verdict = ensure_locked(room, Origin::kWebhook, event.id);
      if (!model::asks_for_retry(verdict) && !room.sid.empty()) {
        memories_.remember(Seen::kSessionStarted, room.sid, now);
      }
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
      if (event.egress && ledger_keeps(*event.egress)) {
        journal(reported(*event.egress));
        // A participant's or track's recording can be a duplicate only when a rule records them.
        if (event.egress->records_room() || policy_.records_subjects()) {
          on_other_recording(*event.egress, now);
        }
      }
      break;
    case livekit::EventKind::kEgressEnded:
      if (event.egress) {
        if (ledger_keeps(*event.egress)) journal(reported(*event.egress));
        on_recording_ended(*event.egress);
      } else {
        tell(WebhookIgnored{event.event, event.id});  // no egress id: nothing to act on
      }
      break;
    case livekit::EventKind::kParticipantJoined:
    case livekit::EventKind::kTrackPublished:
      verdict = on_subject_webhook(event);
      break;
    case livekit::EventKind::kOther:
      break;
  }
  // A 503 must not mark the event seen: LiveKit's retry of it has to get through. Participants'
  // and tracks' ids are not kept: they would push out the room sids that matter, and their
  // subjects' own memory (kSubjectRecorded) answers a repeat.
  if (!model::asks_for_retry(verdict) && !event.id.empty() && !subject) {
    memories_.remember(Seen::kEvent, event.id, now);
  }
  return verdict;
}

void Recorder::on_room_finished(const livekit::Room& room, TimePoint now, std::int64_t at_ms,
                                std::string_view closed_by) {
  if (!room.sid.empty()) memories_.remember(Seen::kSessionFinished, room.sid, now);
  // The first the ledger hears of this session (room_finished overtook room_started, or both
  // came while the service was down): what the policy would have decided still counts. A
  // session the reconciler closes is in the ledger already.
  if (closed_by.empty() && ledger_lacks_session(room)) {
    journal_session(room, "webhook", policy_.choose(room.name, room.metadata));
  }
  ledger::RoomFinished end{room.sid, at_ms, room.name, room.created_ms, std::string(closed_by)};
  restarts_.forget(room.name, room.sid);
  if (policy_.records_subjects()) {
    // Its participants' and tracks' restart budgets, and their starts under way, end with it.
    if (!room.sid.empty()) restarts_.forget("", room.sid);
    cancel_subjects(room);
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
  tell(StartAbandoned{attempt->room.name, room.sid});
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
      if (!attempt.subject && attempt.room.sid == room.sid) return &attempt;
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

Verdict Recorder::ensure_recording(const livekit::Room& room, Origin origin,
                                   std::optional<TimePoint> listed_at) {
  const std::lock_guard lock(mutex_);
  return ensure_locked(room, origin, {}, {}, listed_at);
}

Verdict Recorder::ensure_locked(const livekit::Room& room, Origin origin, std::string_view event_id,
                                std::string_view replaces_egress,
                                std::optional<TimePoint> listed_at) {
  const auto now = timers_.now();
  if (!room.sid.empty() && memories_.knows(Seen::kSessionFinished, room.sid, now)) {
    tell(skipped(SkipReason::kRoomFinished, room, origin));
    return Verdict::kAccepted;
  }
  if (const Stops::Stop* stopped = stops_.of(room.sid)) {
    report_stop(room, *stopped, origin, listed_at, now);
    return Verdict::kStopped;
  }
  recording::Choice choice;
  if (!chosen_by_policy(room, origin, now, choice)) return Verdict::kSkipped;
  // record: participants or tracks without room: no composite (subjects.cpp records them).
  if (!choice.recording->record.room) return Verdict::kSkipped;
  if (shutting_down_) return Verdict::kShuttingDown;
  if (attempts_.contains(room.name)) return Verdict::kAccepted;  // a start is under way
  // After a recording failed mid-room, every new start is a restart, whoever asks for it; it
  // enters the budget once its check finds no recording (count_restart). At the limit, none starts.
  if (auto limit = restarts_.limit_reached(room.name, now)) {
    tell_limit(room, origin, *limit);
    return Verdict::kAccepted;
  }
  if (attempts_.size() - subject_attempts_ >= delivery_.max_pending_starts) {
    // A webhook answered 503 is told each; the reconciler counts its deferred rooms in one line
    // per pass (30 000 rooms made 20 000 lines a pass).
    if (origin != Origin::kReconciler) tell(Busy{room.name, attempts_.size() - subject_attempts_});
    return Verdict::kBusy;
  }

  Attempt& attempt = attempts_[room.name];
  most_pending_ = std::max(most_pending_, attempts_.size());
  attempt.id = next_attempt_id_++;
  attempt.key = room.name;
  attempt.room = room;
  attempt.origin = origin;
  attempt.recording = choice.recording;
  attempt.rule = choice.rule;
  attempt.first_try = now;
  attempt.event_id = event_id;
  attempt.replaces_egress = replaces_egress;
  attempt.listed_at = listed_at;
  if (claims_ != nullptr) {
    claim_then_check(room.name, attempt.id);
  } else {
    check_then_start(room.name, attempt.id);
  }
  return Verdict::kAccepted;
}

void Recorder::tell_limit(const livekit::Room& room, Origin origin,
                          const RestartWindow::Limit& limit) {
  Skipped at_limit = skipped(SkipReason::kRestartLimit, room, origin);
  at_limit.restarts = limit.restarts;
  at_limit.repeated = limit.told_before;
  tell(at_limit);
}

bool Recorder::chosen_by_policy(const livekit::Room& room, Origin origin, TimePoint now,
                                recording::Choice& choice) {
  choice = policy_.choose(room.name, room.metadata);
  const std::string& id = room.sid.empty() ? room.name : room.sid;
  // Once per room session: the reconciler meets a skipped room on every pass.
  if (ledger_lacks_session(room)) {
    journal_session(room, origin == Origin::kReconciler ? "reconciler" : "webhook", choice);
  }
  if (choice.metadata_unparsable && memories_.remember(Seen::kToldMetadata, id, now)) {
    tell(MetadataUnparsable{room.name, room.sid, std::string(choice.rule)});
  }
  if (choice.recording != nullptr) return true;
  // The reconciler meets a skipped room on every pass: told once.
  if (memories_.remember(Seen::kToldSkip, id, now)) {
    Skipped by_rule = skipped(SkipReason::kRule, room, origin);
    by_rule.rule = choice.rule;
    tell(by_rule);
  }
  return false;
}

void Recorder::note_stop(const std::string& room_sid, const std::string& egress_id) {
  if (!delivery_.restart_stopped_recordings) stops_.stopped(room_sid, egress_id, timers_.now());
}

void Recorder::report_stop(const livekit::Room& room, const Stops::Stop& stop, Origin origin,
                           std::optional<TimePoint> listed_at, TimePoint now) {
  // Decided here, once, and stored as such: listed after its recording ended, the room lived on.
  // A room listed before (its recording ended as it closed) or not listed (a webhook) decides
  // nothing yet; the next reconcile pass does.
  if (listed_at && *listed_at > stop.noted &&
      memories_.remember(Seen::kStopDecided, room.sid, now)) {
    journal(ledger::StoppedOnPurpose{room.sid, stop.egress_id});
  }
  if (!memories_.remember(Seen::kToldStop, room.sid, now)) return;
  Skipped told = skipped(SkipReason::kStoppedOnPurpose, room, origin);
  told.egress_id = stop.egress_id;
  tell(told);
}

void Recorder::release_memory_soon() {
  // glibc keeps freed memory for reuse; after thousands of rooms at once that is megabytes the
  // process will not need again soon.
  timers_.after(std::chrono::seconds(1), [] { malloc_trim(0); });
}

void Recorder::on_recording_ended(const livekit::EgressInfo& egress, std::optional<PassSaw> pass) {
  const auto now = timers_.now();
  // Its webhook and the reconciler may both tell it: acted on once.
  if (!memories_.remember(Seen::kEgressEnded, egress.egress_id, now)) return;
  RecordingEnded ended{egress.room_name, egress.room_id,    egress.egress_id,     egress.status,
                       egress.error,     egress.error_code, egress.records_room()};
  // Stopped as a duplicate: complete, aborted (stopped while starting) or empty, it is the end
  // asked for; neither a stop on purpose nor a failure to restart.
  ended.duplicate = healed(egress.egress_id, now);
  if (subject_ended(egress, ended, now)) return;
  if (egress.records_room() && egress.status == model::EgressStatus::kComplete &&
      !ended.duplicate) {
    note_stop(egress.room_id, egress.egress_id);
  }
  if (!egress.records_room() || ended.duplicate || !model::is_failure(egress.status)) {
    return tell(ended);
  }
  ended.room_finished = pass ? pass->listed == nullptr
                             : !egress.room_id.empty() &&
                                   memories_.knows(Seen::kSessionFinished, egress.room_id, now);
  tell(ended);
  // After the room finished there is nothing to restart, but the file may be cut short or
  // missing (e.g. the upload failed): the operator hears of it.
  if (ended.room_finished) return;
  restarts_.failed(egress.room_name, egress.room_id, now);
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
                 return tell(RestartUnknown{room_name, error->code, error->message});
               }
               for (const livekit::Room& room : rooms) {
                 if (room.name == room_name && (room_sid.empty() || room.sid == room_sid)) {
                   ensure_locked(room, Origin::kRestart, {}, failed_egress);
                   return;
                 }
               }
               tell(RestartNotNeeded{room_name, room_sid});
             });
}

}  // namespace ar::recorder
