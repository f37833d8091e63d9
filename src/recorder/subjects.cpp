// record: participants and record: tracks. One recording per participant session (participant
// sid) and per published track (track sid), started by the same attempt as a room's: claimed
// with several replicas, checked with ListEgress, started, retried (start.cpp). What differs is
// here: which subjects a room's plan asks for, which listed egress records one, and what its end
// means (it ends with its participant or track: normal, never a stop to report).
#include <algorithm>

#include "recorder/ledger_entries.hpp"
#include "recorder/recorder.hpp"

namespace ar::recorder {
namespace {

// The attempts' key of a subject: a NUL byte, then its sid; no room name starts so.
std::string subject_key(const livekit::Subject& subject) {
  return std::string(1, '\0') + subject.sid;
}

// "participant alice" or "track TR_x", from what LiveKit lists of an egress's request.
std::string subject_label(const livekit::EgressInfo& egress) {
  return std::string(egress.kind == model::RecordingKind::kTrack ? "track " : "participant ") +
         egress.subject;
}

}  // namespace

bool Recorder::records_subject(const livekit::EgressInfo& egress, const livekit::Room& room,
                               const livekit::Subject& subject) {
  if (egress.kind != subject.kind) return false;
  if (egress.subject != subject.named()) return false;
  if (!room.sid.empty() && !egress.room_id.empty() && egress.room_id != room.sid) return false;
  // A participant's recording that started before it joined is of an earlier session of the
  // same identity (a rejoin is a new participant sid, and a new recording).
  const std::int64_t started_ms = egress.results.started_at_ns / 1'000'000;
  return subject.is_track() || subject.joined_ms <= 0 || started_ms <= 0 ||
         started_ms >= subject.joined_ms;
}

Verdict Recorder::on_subject_webhook(const livekit::WebhookEvent& event) {
  if (!event.room || !event.participant) return Verdict::kAccepted;
  // track_published: the track, and its publisher, who now publishes (a participant's recording
  // starts with its first track, as LiveKit's AutoParticipantEgress does).
  std::vector<livekit::Participant> joined{*event.participant};
  if (event.kind == livekit::EventKind::kTrackPublished) {
    if (!event.track) return Verdict::kAccepted;
    joined.front().tracks = {*event.track};
  }
  return ensure_subjects_locked(*event.room, joined, Origin::kWebhook, {.event_id = event.id});
}

void Recorder::ensure_subjects(const livekit::Room& room,
                               const std::vector<livekit::Participant>& participants, Origin origin,
                               const std::function<bool(const livekit::Subject&)>& recorded) {
  const std::lock_guard lock(mutex_);
  ensure_subjects_locked(room, participants, origin, {.recorded = &recorded});
}

bool Recorder::records_subjects_of(const livekit::Room& room) const {
  if (!policy_.records_subjects()) return false;
  const recording::Plan* plan = policy_.choose(room.name, room.metadata).recording;
  return plan != nullptr && plan->record.subjects();
}

Verdict Recorder::ensure_subjects_locked(const livekit::Room& room,
                                         const std::vector<livekit::Participant>& participants,
                                         Origin origin, const SubjectsAsked& asked) {
  const auto now = timers_.now();
  if (!room.sid.empty() && memories_.knows(Seen::kSessionFinished, room.sid, now)) {
    return Verdict::kAccepted;
  }
  const recording::Choice choice = policy_.choose(room.name, room.metadata);
  const recording::Plan* plan = choice.recording;
  if (plan == nullptr || !plan->record.subjects()) return Verdict::kSkipped;
  Verdict verdict = Verdict::kAccepted;
  auto ensure = [&](const livekit::Subject& subject) {
    if (!asked.only.empty() && asked.only != subject.named()) return;
    if (asked.recorded != nullptr && (*asked.recorded)(subject)) return;
    const Verdict one = ensure_subject(room, subject, *plan, choice.rule, origin, asked);
    if (model::asks_for_retry(one)) verdict = one;
  };
  for (const livekit::Participant& participant : participants) {
    if (!plan->subjects.participants.matches(participant.identity, participant.kind,
                                             participant.attributes)) {
      continue;
    }
    // A participant who publishes nothing (a viewer) has nothing to record.
    const bool publishes = std::any_of(participant.tracks.begin(), participant.tracks.end(),
                                       [](const livekit::Track& track) { return !track.data; });
    if (plan->record.participants && publishes) ensure(livekit::participant_subject(participant));
    if (!plan->record.tracks) continue;
    for (const livekit::Track& track : participant.tracks) {
      const bool wanted = track.audio ? plan->subjects.audio_tracks : plan->subjects.video_tracks;
      if (!track.data && wanted) ensure(livekit::track_subject(participant, track));
    }
  }
  return verdict;
}

Verdict Recorder::ensure_subject(const livekit::Room& room, const livekit::Subject& subject,
                                 const recording::Plan& plan, std::string_view rule, Origin origin,
                                 const SubjectsAsked& asked) {
  if (shutting_down_) return Verdict::kShuttingDown;
  std::string key = subject_key(subject);
  if (attempts_.contains(key)) return Verdict::kAccepted;  // a start is under way
  const auto now = timers_.now();
  // Its next track_published (or a repeat) asks LiveKit nothing; a restart and a pass, which
  // found it without a recording, do.
  if (origin == Origin::kWebhook && memories_.knows(Seen::kSubjectRecorded, subject.sid, now)) {
    return Verdict::kAccepted;
  }
  if (asked.replaces_egress.empty() && memories_.knows(Seen::kSubjectDone, subject.sid, now)) {
    return Verdict::kStopped;
  }
  if (auto limit = restarts_.limit_reached(key, now)) {
    tell_limit(room, origin, *limit);
    return Verdict::kAccepted;
  }
  if (subject_attempts_ >= delivery_.max_pending_starts) {
    if (origin != Origin::kReconciler) tell(Busy{room.name, subject_attempts_});
    return Verdict::kBusy;
  }
  Attempt& attempt = attempts_[key];
  ++subject_attempts_;
  most_pending_ = std::max(most_pending_, attempts_.size());
  attempt.id = next_attempt_id_++;
  attempt.key = std::move(key);
  attempt.room = room;
  attempt.subject = subject;
  attempt.origin = origin;
  attempt.recording = &plan;
  attempt.rule = rule;
  attempt.first_try = now;
  // Each subject of one webhook claims apart (a participant and its track, from one
  // track_published): the webhook's id alone would let only the first through.
  attempt.event_id =
      asked.event_id.empty() ? std::string() : std::string(asked.event_id) + ":" + subject.sid;
  attempt.replaces_egress = asked.replaces_egress;
  if (claims_ != nullptr) {
    claim_then_check(attempt.key, attempt.id);
  } else {
    check_then_start(attempt.key, attempt.id);
  }
  return Verdict::kAccepted;
}

void Recorder::on_subject_egresses(const std::string& key, Attempt& attempt,
                                   const std::vector<livekit::EgressInfo>& egresses) {
  const livekit::Subject& subject = *attempt.subject;
  // What LiveKit lists of its recordings, for the ledger: their webhooks may have been lost.
  for (const livekit::EgressInfo& egress : egresses) {
    if (records_subject(egress, attempt.room, subject)) journal(reported(egress));
  }
  for (const livekit::EgressInfo& egress : egresses) {
    if (!records_subject(egress, attempt.room, subject)) continue;
    // A duplicate this process stopped says nothing: the one kept records the subject.
    if (healed(egress.egress_id, timers_.now())) continue;
    // Being recorded (by us, another replica, the application or LiveKit's auto-egress), or
    // recorded and ended: a subject's recording ends with the participant or the track, or was
    // stopped on purpose. Either way nothing more is started for it.
    if (model::is_failure(egress.status)) continue;
    if (egress.status == model::EgressStatus::kComplete) {
      // Stopped on purpose while its participant or track stays (or it left): not again, unless
      // restart_stopped_recordings says so, as for a room.
      if (delivery_.restart_stopped_recordings) continue;
      memories_.remember(Seen::kSubjectDone, subject.sid, timers_.now());
    }
    memories_.remember(Seen::kSubjectRecorded, subject.sid, timers_.now());
    journal(ledger::RecordingStarted{attempt.room.sid, egress.egress_id, timers_.wall_ms(),
                                     attempt.restart, ledger_subject(subject)});
    return finish(key, egress.egress_id);
  }
  if (!count_restart(attempt, egresses)) return finish(key);
  if (attempt.claimed) claims_->renew(claim_key(attempt), {});
  start(key, attempt.id);
}

bool Recorder::subject_ended(const livekit::EgressInfo& egress, RecordingEnded& ended,
                             TimePoint now) {
  // Whoever started it (another replica, this process before a restart, the application):
  // restart_subject asks the policy, with the room's metadata, whether a rule records it.
  if (!model::is_subject(egress.kind) || !policy_.records_subjects()) return false;
  ended.subject = subject_label(egress);
  ended.room_finished =
      !egress.room_id.empty() && memories_.knows(Seen::kSessionFinished, egress.room_id, now);
  tell(ended);
  // A duplicate this process stopped ends as asked (aborted, or empty): no failure to restart.
  if (!model::is_failure(egress.status) || ended.room_finished || ended.duplicate) return true;
  restart_subject(egress);
  return true;
}

// A participant's or a track's recording failed: started again if the room, and the participant
// or the track in it, are still there (ListRooms for the room's plan, ListParticipants for them).
void Recorder::restart_subject(const livekit::EgressInfo& failed) {
  api_.rooms({failed.room_name}, [this, failed](const livekit::ApiError* error,
                                                const std::vector<livekit::Room>& rooms) {
    const std::lock_guard lock(mutex_);
    if (error != nullptr)
      return tell(RestartUnknown{failed.room_name, error->code, error->message});
    const auto room = std::find_if(rooms.begin(), rooms.end(), [&](const livekit::Room& r) {
      return r.name == failed.room_name && (failed.room_id.empty() || r.sid == failed.room_id);
    });
    if (room == rooms.end()) return tell(RestartNotNeeded{failed.room_name, failed.room_id});
    api_.participants(room->name, [this, failed, room = *room](
                                      const livekit::ApiError* error,
                                      const std::vector<livekit::Participant>& participants) {
      const std::lock_guard lock(mutex_);
      if (error != nullptr) {
        return tell(RestartUnknown{failed.room_name, error->code, error->message});
      }
      const auto now = timers_.now();
      // The failed recording's subject, as the room has it now, enters its restart budget.
      for (const livekit::Participant& participant : participants) {
        if (participant.identity == failed.subject) {
          restarts_.failed(subject_key(livekit::participant_subject(participant)), room.sid, now);
        }
        for (const livekit::Track& track : participant.tracks) {
          if (track.sid != failed.subject) continue;
          restarts_.failed(subject_key(livekit::track_subject(participant, track)), room.sid, now);
        }
      }
      ensure_subjects_locked(room, participants, Origin::kRestart,
                             {.only = failed.subject, .replaces_egress = failed.egress_id});
    });
  });
}

void Recorder::cancel_subjects(const livekit::Room& room) {
  std::vector<std::string> cancelled;
  for (auto& [key, attempt] : attempts_) {
    if (!attempt.subject) continue;
    const bool same = room.sid.empty() || attempt.room.sid.empty() ? attempt.room.name == room.name
                                                                   : attempt.room.sid == room.sid;
    if (!same) continue;
    cancel_retry(attempt);
    cancelled.push_back(key);
  }
  for (const std::string& key : cancelled) finish(key);
}

}  // namespace ar::recorder
