#pragma once
// The policy: make sure every room is recorded exactly once. Webhooks, the reconciler and
// recordings that fail mid-room all come through ensure_recording(), so deduplication, retries
// and limits live here and nowhere else. Knows policy, not wire formats: LiveKit, the replicas'
// claims and time come through interfaces, which unit tests answer by hand.
//
// With several replicas (Redis configured) a start is claimed in Redis first; only the claim's
// holder goes on. Without Redis, or while Redis is unreachable, the ListEgress check before every
// start is the only guard against a second recording.
//
// Threads: the HTTP thread asks for a verdict, LiveKit API answers and claims arrive on their
// clients' threads, retry timers fire on the timers' thread. One mutex guards the state and is
// never held across anything that waits.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "coordination/claim_store.hpp"
#include "ledger/entry.hpp"
#include "livekit/egress_api.hpp"
#include "livekit/egress_info.hpp"
#include "livekit/webhook.hpp"
#include "model/origin.hpp"
#include "model/verdict.hpp"
#include "recorder/delivery.hpp"
#include "recorder/duplicates.hpp"
#include "recorder/events.hpp"
#include "recorder/memories.hpp"
#include "recorder/recent_ids.hpp"
#include "recorder/restart_window.hpp"
#include "recorder/retry_policy.hpp"
#include "recording/policy.hpp"
#include "util/timers.hpp"

namespace ar::recorder {

// Who asked (webhook, reconciler, restart), and what came of a webhook: the vocabulary's.
using model::Origin;
using model::Verdict;

class Recorder {
 public:
  // What the recorder works with; all must outlive it.
  struct Parts {
    const recording::Policy& policy;
    const Delivery& delivery;
    livekit::EgressApi& api;
    util::Timers& timers;
    Events& events;                              // what happened, for the logs and metrics
    coordination::ClaimStore* claims = nullptr;  // null when running alone (no Redis)
    ledger::Journal* journal = nullptr;          // null when the ledger is off
    std::uint64_t seed = 0;  // the retry backoff's jitter, and this process's name in retry keys
  };
  explicit Recorder(const Parts& parts);
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // A verified webhook. Never blocks: API calls it causes run in the background.
  Verdict on_webhook(const livekit::WebhookEvent& event);

  // The one decision point: make sure this room is being recorded. `listed_at`: when LiveKit's
  // ListRooms was asked, for a room the reconciler found listed (the evidence that a room whose
  // recording ended lived on: it was stopped on purpose).
  Verdict ensure_recording(const livekit::Room& room, Origin origin,
                           std::optional<util::Timers::Clock::time_point> listed_at = {});

  // What the reconciler found without its webhook (the ledger held it open; LiveKit lists it
  // otherwise), acted on as the webhook would have been, once whichever comes first:
  // an egress of the room that ended (a stop is respected, a failure while the room lives is
  // restarted; `listed`: its room as the same pass listed it, or null when it is gone)...
  void on_egress_end_found(const livekit::EgressInfo& egress, const livekit::Room* listed);
  // ...and a room session no longer listed, whose room_finished never came: it finished at about
  // `finished_ms` (the ledger's estimate, docs/ledger.md).
  void on_room_gone(const livekit::Room& room, std::int64_t finished_ms);

  // record: participants and tracks (subjects.cpp): each participant (and each of its tracks)
  // the room's plan records gets its recording, as ensure_recording's room does. The reconciler
  // calls it with what ListParticipants listed.
  // `recorded`: what the reconciler's pass found recorded already, asked nothing more.
  void ensure_subjects(const livekit::Room& room,
                       const std::vector<livekit::Participant>& participants, Origin origin,
                       const std::function<bool(const livekit::Subject&)>& recorded);
  // Whether the room's rule records participants or tracks (for the reconciler: false at once
  // when no rule does).
  bool records_subjects_of(const livekit::Room& room) const;
  // Whether any rule records participants or tracks.
  bool records_subjects() const { return policy_.records_subjects(); }

  // A pass listed two or more recordings of this room session running: the ones this service
  // started besides the oldest are stopped (recorder/duplicates.hpp; heal.cpp), when
  // heal_duplicates is on.
  void check_duplicates(const livekit::Room& room);

  // From now on room_started is answered 503 and no retry is scheduled.
  void shut_down();

  // Rooms waiting for their recording to start (checking, starting or waiting to retry).
  std::size_t pending() const;

  // Where what the recorder and its reconciler decide is told.
  Events& events() const { return events_; }

  // Hands memory freed after a large burst back to the system, a second from now.
  void release_memory_soon();

 private:
  using TimePoint = util::Timers::Clock::time_point;

  struct Attempt {
    std::uint64_t id = 0;
    std::string key;  // in attempts_: the room's name, or a subject's (subjects.cpp)
    livekit::Room room;
    std::optional<livekit::Subject> subject;  // a participant's or a track's recording
    Origin origin = Origin::kWebhook;
    TimePoint first_try;
    unsigned retries = 0;
    std::optional<util::Timers::Id> retry_timer;
    const recording::Plan* recording = nullptr;  // what the policy chose
    std::string_view rule;                       // the rule that chose it, for the logs
    std::string event_id;                // the webhook that asked, marked handled with the claim
    std::string replaces_egress;         // a restart: the failed recording whose claim it may take
    std::optional<TimePoint> listed_at;  // when the reconciler that asked listed the room
    bool claimed = false;                // this replica holds the room's claim in Redis
    bool restart = false;                // a restart, in the room's budget (count_restart)
    // The room finished while this start was under way: nothing more is started, and the end
    // is told to the ledger once it is known whether a recording exists (a lost answer may have
    // started one), so that the session is not closed "unrecorded" beside its egress.
    std::optional<ledger::RoomFinished> finished;
  };

  // Deciding (recorder.cpp).
  Verdict ensure_locked(const livekit::Room& room, Origin origin, std::string_view event_id = {},
                        std::string_view replaces_egress = {},
                        std::optional<TimePoint> listed_at = {});
  // The session's end, from room_finished or found by the reconciler (closed_by "reconciler").
  void on_room_finished(const livekit::Room& room, TimePoint now, std::int64_t at_ms,
                        std::string_view closed_by);
  // egress_ended, or an end the reconciler found: acted on once per egress. Whether the room
  // lives is asked of LiveKit, unless a reconcile pass has just listed the rooms (`pass`:
  // `listed` is its room, or null when it is gone).
  struct PassSaw {
    const livekit::Room* listed = nullptr;
  };
  void on_recording_ended(const livekit::EgressInfo& egress,
                          std::optional<PassSaw> pass = std::nullopt);
  void restart_if_room_lives(const std::string& room_name, const std::string& room_sid,
                             const std::string& failed_egress);
  // The room's restarts reached the limit: said once, counted every time.
  void tell_limit(const livekit::Room& room, Origin origin, const RestartWindow::Limit& limit);
  // The one place a restart enters the room's budget: just before its StartEgress, once the check
  // found no recording (a check that finds one spends nothing). A start is a restart after a
  // failure mid-room, or when the check lists a failed recording of the session whose end was
  // not acted on yet (its webhook is on the way, or lost). False at the limit.
  bool count_restart(Attempt& attempt, const std::vector<livekit::EgressInfo>& egresses);
  // Whether the policy records this room; logs a skip, or unparsable metadata, once per room.
  bool chosen_by_policy(const livekit::Room& room, Origin origin, TimePoint now,
                        recording::Choice& choice);
  // A recording of room session `room_sid` ended EGRESS_COMPLETE: stopped with StopEgress, or
  // its room closing. Either way that session is not recorded again (unless
  // restart_stopped_recordings): a closing room asks for nothing more, a stop is respected.
  void note_stop(const std::string& room_sid, const std::string& egress_id);
  // Says once per room session that a stop kept it from being recorded again.
  // Tells the ledger the stop was on purpose once the room was listed after it.
  void report_stop(const livekit::Room& room, const Stops::Stop& stop, Origin origin,
                   std::optional<TimePoint> listed_at, TimePoint now);
  // What a skip of this room tells; the caller adds what the reason needs.
  static Skipped skipped(model::SkipReason reason, const livekit::Room& room, Origin origin);
  // Tells what happened (the logs and metrics).
  void tell(const Event& event) { events_.tell(event); }
  // Tells the ledger, when there is one.
  void journal(ledger::Entry entry);
  // True once per room session while the ledger has not heard of it (then it has; of the latest
  // dedupe_capacity sessions).
  bool ledger_lacks_session(const livekit::Room& room);
  // The session's name, start, how it was heard of, and the policy's decision.
  void journal_session(const livekit::Room& room, std::string_view learned_from,
                       const recording::Choice& choice);

  // Duplicates (heal.cpp). A recording not ours started in a session we record: look once.
  void on_other_recording(const livekit::EgressInfo& egress, TimePoint now);
  // Asks ListEgress for the room and stops what recorder/duplicates.hpp says to stop.
  void look_for_duplicates(const std::string& room_name, const std::string& room_sid);
  // A start of this attempt's made `egress_id`: remembered as ours, and journaled.
  void started_ours(const Attempt& attempt, const std::string& egress_id);
  // Every attempt ends here (finished, cancelled, or claimed by another replica).
  void erase_attempt(std::unordered_map<std::string, Attempt>::iterator it);
  // Stops what heal() says of the listed egresses (recorder/duplicates.hpp).
  void heal_listed(const std::string& room_name, const std::string& room_sid,
                   const std::vector<livekit::EgressInfo>& egresses, const JoinedAt* joined);
  void stop_duplicate(const std::string& room_name, const std::string& room_sid,
                      const std::string& egress_id, const std::string& kept);
  // An egress this process stopped as a duplicate: its EGRESS_COMPLETE is no stop on purpose.
  bool healed(const std::string& egress_id, TimePoint now);

  // Participants and tracks (subjects.cpp).
  struct SubjectsAsked {
    std::string_view event_id{};         // the webhook's
    std::string_view only{};             // a restart: the identity or track id that failed
    std::string_view replaces_egress{};  // ...and that recording
    // A reconcile pass: whether its ListEgress lists the subject recorded (none asked again).
    const std::function<bool(const livekit::Subject&)>* recorded = nullptr;
  };
  Verdict on_subject_webhook(const livekit::WebhookEvent& event);
  Verdict ensure_subjects_locked(const livekit::Room& room,
                                 const std::vector<livekit::Participant>& participants,
                                 Origin origin, const SubjectsAsked& asked);
  Verdict ensure_subject(const livekit::Room& room, const livekit::Subject& subject,
                         const recording::Plan& plan, std::string_view rule, Origin origin,
                         const SubjectsAsked& asked);
  // Whether a listed egress records this subject in this room session.
  static bool records_subject(const livekit::EgressInfo& egress, const livekit::Room& room,
                              const livekit::Subject& subject);
  void on_subject_egresses(const std::string& key, Attempt& attempt,
                           const std::vector<livekit::EgressInfo>& egresses);
  // An egress of a participant or a track that this process started ended: told, and restarted
  // when it failed while its room lives. False for any other egress.
  bool subject_ended(const livekit::EgressInfo& egress, RecordingEnded& ended, TimePoint now);
  void restart_subject(const livekit::EgressInfo& failed);
  // The room finished: its participants' and tracks' starts under way stop (their recordings,
  // if a lost answer started one, end with the room).
  void cancel_subjects(const livekit::Room& room);

  // Starting (start.cpp): claim, check, start, retry.
  static coordination::ClaimKey claim_key(const Attempt& attempt);
  // Whether a listed egress is a recording of what the attempt records.
  static bool records(const Attempt& attempt, const livekit::EgressInfo& egress);
  void claim_then_check(const std::string& room_name, std::uint64_t id);
  void check_then_start(const std::string& room_name, std::uint64_t id);
  void on_egresses(const std::string& room_name, Attempt& attempt,
                   const std::vector<livekit::EgressInfo>& egresses);
  // The room finished while the start was under way: whether a recording of the session exists
  // after all (`egresses`, the answer of a last check_then_start) goes to the ledger, then the
  // session's end.
  void conclude_finished(const std::string& room_name, Attempt& attempt,
                         const std::vector<livekit::EgressInfo>& egresses,
                         std::string_view egress_id = {});
  void start(const std::string& room_name, std::uint64_t id);
  std::optional<double> start_delay(const Attempt& attempt) const;
  void on_failure(Attempt& attempt, const livekit::ApiError& error, std::string_view call);
  // A finished room's ListEgress check failed: true when it is asked again (not shutting down,
  // and within the give-up time).
  bool ask_again(Attempt& attempt, const livekit::ApiError& error);
  // check_then_start after `delay`, unless the attempt is gone or the service shuts down.
  void retry_after(Attempt& attempt, std::chrono::milliseconds delay);
  Attempt* find_attempt(const std::string& room_name, std::uint64_t id);
  // The attempt for this room session (by name, or by sid when the name is not known), or null.
  Attempt* attempt_for(const livekit::Room& room);
  void cancel_retry(Attempt& attempt);
  // Forgets the attempt; its claim now names `egress_id`, or is released when there is none.
  void finish(const std::string& room_name, std::string_view egress_id = {});

  const recording::Policy& policy_;
  const Delivery& delivery_;
  livekit::EgressApi& api_;
  util::Timers& timers_;
  Events& events_;
  coordination::ClaimStore* claims_;
  ledger::Journal* journal_;

  mutable std::mutex mutex_;
  // By room name, one attempt per room, and by subject (subjects.cpp).
  std::unordered_map<std::string, Attempt> attempts_;
  // Of attempts_, those of participants and tracks: each kind has max_pending_starts of its own,
  // so that a room of many participants never makes room_started answer 503.
  std::size_t subject_attempts_ = 0;
  RestartWindow restarts_;
  Stops stops_;
  Memories memories_;
  RecentIds ledger_sessions_;  // sessions already told to the ledger, by their sid's hash
  Backoff backoff_;
  std::string process_key_;  // names this process in the ledger's retry keys
  std::uint64_t next_attempt_id_ = 1;
  std::size_t most_pending_ = 0;  // the most attempts at once since the queue was last empty
  static constexpr std::size_t kManyPending = 1000;
  bool shutting_down_ = false;
};

}  // namespace ar::recorder
