// Starting one room's recording: claim (with several replicas), check ListEgress, start, and
// retry transient failures with backoff. Each answer finds its attempt by room name and id, so an
// answer for an attempt cancelled meanwhile (room finished) changes nothing.
#include <algorithm>

#include "livekit/twirp_error.hpp"
#include "recorder/ledger_entries.hpp"
#include "recorder/recorder.hpp"

namespace ar::recorder {
namespace {

using NoEgresses = std::vector<livekit::EgressInfo>;

// "unavailable: no response from servers", as the ledger keeps a failed start's reason.
std::string failure_text(const livekit::ApiError& error) {
  return error.message.empty() ? error.code : error.code + ": " + error.message;
}

// A recording of this room session: by its sid where both sides know it (an egress of an earlier
// session under the same name, still ending, is not), else by the room's name.
bool records_session(const livekit::EgressInfo& egress, const livekit::Room& room) {
  if (!egress.records_room()) return false;
  if (room.sid.empty() || egress.room_id.empty()) return egress.room_name == room.name;
  return egress.room_id == room.sid;
}

// What a failed call of this attempt's tells.
CallFailed call_failed(const livekit::Room& room, model::Origin origin,
                       const livekit::ApiError& error, std::string_view call) {
  return {room.name,  room.sid,      std::string(call),
          error.code, error.message, std::string(livekit::outcome_of(error.code)),
          origin};
}

}  // namespace

bool Recorder::records(const Attempt& attempt, const livekit::EgressInfo& egress) {
  if (attempt.subject) return records_subject(egress, attempt.room, *attempt.subject);
  return records_session(egress, attempt.room);
}

// A subject's claim is keyed by its sid, as a room's by the room's.
coordination::ClaimKey Recorder::claim_key(const Attempt& attempt) {
  return {attempt.room.name, attempt.subject ? attempt.subject->sid : attempt.room.sid};
}

// Several replicas: only the one holding the room's claim goes on to check and start.
void Recorder::claim_then_check(const std::string& room_name, std::uint64_t id) {
  const Attempt& attempt = attempts_.at(room_name);
  claims_->claim(
      claim_key(attempt), attempt.event_id, attempt.replaces_egress,
      [this, room_name, id](const coordination::ClaimAnswer& answer) {
        const std::lock_guard lock(mutex_);
        Attempt* current = find_attempt(room_name, id);
        if (current == nullptr) return;  // cancelled meanwhile; an unused claim expires
        if (current->finished) return conclude_finished(room_name, *current, {});
        tell(Claimed{answer.claim, current->origin, room_name, current->room.sid, answer.holder});
        switch (answer.claim) {
          case coordination::Claim::kWon:
            current->claimed = true;
            return check_then_start(room_name, id);
          case coordination::Claim::kTaken:
          case coordination::Claim::kDuplicateEvent: {
            Skipped elsewhere = skipped(answer.claim == coordination::Claim::kTaken
                                            ? model::SkipReason::kClaimedElsewhere
                                            : model::SkipReason::kDuplicateEvent,
                                        current->room, current->origin);
            elsewhere.event_id = current->event_id;
            elsewhere.holder = answer.holder;
            tell(elsewhere);
            erase_attempt(attempts_.find(room_name));
            return;
          }
          case coordination::Claim::kUnavailable:
            return check_then_start(room_name, id);  // the ListEgress check alone guards it
        }
      });
}

Recorder::Attempt* Recorder::find_attempt(const std::string& room_name, std::uint64_t id) {
  auto it = attempts_.find(room_name);
  return it != attempts_.end() && it->second.id == id ? &it->second : nullptr;
}

// Before every start (and every retry) ask LiveKit: a start that timed out may have worked,
// another replica or the application may already record the room, or someone stopped this room
// session's recording on purpose (LiveKit lists ended egresses for about 24 h, so this holds
// when the egress_ended webhook was lost, and across restarts). Once the room finished, the
// answer only tells whether a recording of the session exists, and the attempt concludes.
void Recorder::check_then_start(const std::string& room_name, std::uint64_t id) {
  const Attempt* asking = find_attempt(room_name, id);
  if (asking == nullptr) return;
  api_.room_egresses(
      asking->room.name, [this, room_name, id](const livekit::ApiError* error,
                                               const std::vector<livekit::EgressInfo>& egresses) {
        const std::lock_guard lock(mutex_);
        Attempt* attempt = find_attempt(room_name, id);
        if (attempt == nullptr) return;
        if (attempt->finished) {
          // Unanswered, LiveKit is asked again (an egress may exist): the session would close
          // "unrecorded" for good, and no reconcile pass compares a closed session.
          if (error != nullptr && ask_again(*attempt, *error)) return;
          return conclude_finished(room_name, *attempt, error == nullptr ? egresses : NoEgresses{});
        }
        if (error != nullptr) return on_failure(*attempt, *error, "ListEgress");
        if (attempt->subject) return on_subject_egresses(room_name, *attempt, egresses);
        on_egresses(room_name, *attempt, egresses);
      });
}

void Recorder::conclude_finished(const std::string& room_name, Attempt& attempt,
                                 const std::vector<livekit::EgressInfo>& egresses,
                                 std::string_view egress_id) {
  std::string found(egress_id);
  for (const livekit::EgressInfo& egress : egresses) {
    if (!records_session(egress, attempt.room)) continue;
    journal(reported(egress));
    if (found.empty() && model::is_active(egress.status)) found = egress.egress_id;
  }
  if (!found.empty()) {
    journal(ledger::RecordingStarted{attempt.room.sid, found, timers_.wall_ms(), attempt.restart});
  }
  journal(std::move(*attempt.finished));
  finish(room_name, found);
}

void Recorder::on_egresses(const std::string& room_name, Attempt& attempt,
                           const std::vector<livekit::EgressInfo>& egresses) {
  const std::string& sid = attempt.room.sid;
  const auto now = timers_.now();
  for (const livekit::EgressInfo& egress : egresses) {
    if (!egress.records_room() || sid.empty() || egress.room_id != sid) continue;
    // What LiveKit lists of this session's recordings, for the ledger: their webhooks may
    // have been lost (the service was down, or LiveKit's queue full).
    journal(reported(egress));
    if (egress.status == model::EgressStatus::kComplete && !healed(egress.egress_id, now)) {
      note_stop(sid, egress.egress_id);
    }
  }
  for (const livekit::EgressInfo& egress : egresses) {
    if (!records_session(egress, attempt.room) || !model::is_active(egress.status)) continue;
    Skipped recording = skipped(model::SkipReason::kAlreadyRecording, attempt.room, attempt.origin);
    recording.egress_id = egress.egress_id;
    recording.status = egress.status;
    tell(recording);
    journal(ledger::RecordingStarted{sid, egress.egress_id, timers_.wall_ms(), attempt.restart});
    finish(room_name, egress.egress_id);
    return;
  }
  if (const Stops::Stop* stopped = stops_.of(sid)) {
    report_stop(attempt.room, *stopped, attempt.origin, attempt.listed_at, timers_.now());
    finish(room_name);
    return;
  }
  if (!count_restart(attempt, egresses)) return finish(room_name);
  if (attempt.claimed) claims_->renew(claim_key(attempt), {});
  start(room_name, attempt.id);
}

bool Recorder::count_restart(Attempt& attempt, const std::vector<livekit::EgressInfo>& egresses) {
  if (attempt.restart) return true;  // counted before an earlier try of this start
  const auto now = timers_.now();
  const bool listed_failure =
      std::any_of(egresses.begin(), egresses.end(), [&](const auto& egress) {
        return records(attempt, egress) && model::is_failure(egress.status);
      });
  if (!listed_failure && !restarts_.after_failure(attempt.key, now)) return true;
  if (auto limit = restarts_.count(attempt.key, attempt.room.sid, now)) {
    tell_limit(attempt.room, attempt.origin, *limit);
    return false;
  }
  attempt.restart = true;
  return true;
}

void Recorder::start(const std::string& room_name, std::uint64_t id) {
  const Attempt* asking = find_attempt(room_name, id);
  if (asking == nullptr) return;
  auto answered = [this, room_name, id](const livekit::ApiError* error,
                                        const std::string& egress_id) {
    const std::lock_guard lock(mutex_);
    Attempt* attempt = find_attempt(room_name, id);
    if (attempt == nullptr) return;
    if (error != nullptr) {
      // The room finished meanwhile: an answer lost on the way may still have started a
      // recording, so LiveKit is asked once more, and nothing is retried.
      if (attempt->finished) return check_then_start(room_name, id);
      return on_failure(*attempt, *error,
                        error->call.empty() ? "StartRoomCompositeEgress" : error->call);
    }
    const std::string_view named = egress_id.empty() ? "unknown" : std::string_view(egress_id);
    Started started{attempt->room.name,   attempt->room.sid,          std::string(named),
                    attempt->origin,      std::string(attempt->rule), attempt->retries,
                    start_delay(*attempt)};
    if (attempt->subject) {
      started.subject = attempt->subject->label();
      started.start_delay.reset();  // the room's age says nothing of a participant's
      tell(started);
      memories_.remember(Seen::kSubjectRecorded, attempt->subject->sid, timers_.now());
      if (!egress_id.empty()) started_ours(*attempt, egress_id);
      return finish(room_name, named);
    }
    tell(started);
    if (attempt->finished) {
      // Without an egress id, LiveKit's list tells which recording the start made.
      if (egress_id.empty()) return check_then_start(room_name, id);
      return conclude_finished(room_name, *attempt, {}, egress_id);
    }
    // An answer without an egress id leaves the recording to the egress webhooks.
    if (!egress_id.empty()) started_ours(*attempt, egress_id);
    finish(room_name, named);
  };
  if (asking->subject) {
    return api_.start_subject(asking->room.name, *asking->recording, *asking->subject,
                              std::move(answered));
  }
  api_.start_recording(asking->room.name, *asking->recording, std::move(answered));
}

// Ours: only such a recording is ever stopped as a duplicate (heal.cpp); the ledger hears of it
// with whom it records.
void Recorder::started_ours(const Attempt& attempt, const std::string& egress_id) {
  memories_.remember(Seen::kOurs, egress_id, timers_.now());
  memories_.remember(Seen::kOursInSession, attempt.room.sid, timers_.now());
  journal(ledger::RecordingStarted{attempt.room.sid, egress_id, timers_.wall_ms(), attempt.restart,
                                   attempt.subject ? ledger_subject(*attempt.subject) : nullptr});
}

void Recorder::erase_attempt(std::unordered_map<std::string, Attempt>::iterator it) {
  if (it == attempts_.end()) return;
  if (it->second.subject) --subject_attempts_;
  attempts_.erase(it);
}

// The seconds of the meeting missing from the start of its first recording (a restart's gap is
// the failure's, not the start's).
std::optional<double> Recorder::start_delay(const Attempt& attempt) const {
  if (attempt.origin == Origin::kRestart || attempt.room.created_ms <= 0) return std::nullopt;
  // A clock behind LiveKit's makes a small negative delay: it started at once.
  const auto delay_ms = std::max<std::int64_t>(0, timers_.wall_ms() - attempt.room.created_ms);
  return static_cast<double>(delay_ms) / 1000.0;
}

void Recorder::on_failure(Attempt& attempt, const livekit::ApiError& error, std::string_view call) {
  const std::string room_name = attempt.key;
  CallFailed failure = call_failed(attempt.room, attempt.origin, error, call);
  if (attempt.subject) failure.subject = attempt.subject->label();
  const auto give_up = [&](GaveUp::Why why) {
    tell(GaveUp{why, std::move(failure)});
    if (!attempt.subject) {
      journal(ledger::StartFailed{attempt.room.sid, failure_text(error)});
    } else if (why != GaveUp::Why::kRoomGone) {
      // The session misses this participant's or track's recording until one starts. One that
      // left (its room, participant or track gone) is not missed: there was nothing to record.
      journal(ledger::StartFailed{attempt.room.sid, failure_text(error),
                                  ledger_subject(*attempt.subject)});
    }
    finish(room_name);
  };
  switch (livekit::classify(error.code, error.http_status)) {
    case livekit::Failure::kRoomGone:
      return give_up(GaveUp::Why::kRoomGone);
    case livekit::Failure::kPermanent:
      return give_up(GaveUp::Why::kRefused);
    case livekit::Failure::kTransient:
      break;
  }
  if (shutting_down_) return give_up(GaveUp::Why::kShuttingDown);
  if (timers_.now() - attempt.first_try >= delivery_.retry_give_up_after) {
    return give_up(GaveUp::Why::kTimeUp);
  }
  const auto delay = backoff_.delay(attempt.retries++);
  if (attempt.claimed) claims_->renew(claim_key(attempt), delay);
  if (!attempt.subject) {
    journal(ledger::StartRetried{
        attempt.room.sid, failure_text(error),
        process_key_ + ":" + std::to_string(attempt.id) + ":" + std::to_string(attempt.retries)});
  }
  tell(Retrying{std::move(failure), delay, attempt.retries});
  retry_after(attempt, delay);
}

bool Recorder::ask_again(Attempt& attempt, const livekit::ApiError& error) {
  if (shutting_down_ || timers_.now() - attempt.first_try >= delivery_.retry_give_up_after) {
    return false;
  }
  const auto delay = backoff_.delay(attempt.retries++);
  tell(AskingAgain{call_failed(attempt.room, attempt.origin, error, "ListEgress"), delay});
  retry_after(attempt, delay);
  return true;
}

void Recorder::retry_after(Attempt& attempt, std::chrono::milliseconds delay) {
  attempt.retry_timer = timers_.after(delay, [this, room_name = attempt.key, id = attempt.id] {
    const std::lock_guard lock(mutex_);
    Attempt* current = find_attempt(room_name, id);
    if (current == nullptr || shutting_down_) return;
    current->retry_timer.reset();
    check_then_start(room_name, id);
  });
}

void Recorder::cancel_retry(Attempt& attempt) {
  if (!attempt.retry_timer) return;
  timers_.cancel(*attempt.retry_timer);
  attempt.retry_timer.reset();
}

void Recorder::finish(const std::string& room_name, std::string_view egress_id) {
  auto it = attempts_.find(room_name);
  if (it == attempts_.end()) return;
  const Attempt& attempt = it->second;
  if (attempt.claimed) {
    const coordination::ClaimKey room = claim_key(attempt);
    if (egress_id.empty()) {
      claims_->release(room);
    } else {
      claims_->started(room, egress_id);
    }
  }
  erase_attempt(it);
  if (attempts_.empty() && most_pending_ >= kManyPending) {
    most_pending_ = 0;
    release_memory_soon();
  }
}

}  // namespace ar::recorder
