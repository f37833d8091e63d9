// The guarantees of docs/guarantees.md, one test each, in memory: a fake LiveKit, a fake claim
// store and a manual clock (tests/unit/recorder/fakes.hpp). Each integration test in
// tests/integration/delivery.test.mjs shows the same through real processes.
#include "recorder/recorder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "recorder/duplicates.hpp"
#include "recorder/fakes.hpp"
#include "recorder/recorded_events.hpp"
#include "telemetry/log.hpp"

namespace ar::recorder {
namespace {

using model::EgressStatus;
using model::SkipReason;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Answers;
using testing::ClaimTable;
using testing::FakeClaims;
using testing::FakeLiveKit;
using testing::ManualTimers;

livekit::WebhookEvent event(std::string_view name, std::string id) {
  livekit::WebhookEvent e;
  e.id = std::move(id);
  e.event = std::string(name);
  e.kind = livekit::event_kind(name);
  return e;
}

livekit::WebhookEvent room_started(const livekit::Room& room, std::string id) {
  auto e = event("room_started", std::move(id));
  e.room = room;
  return e;
}

livekit::WebhookEvent room_finished(const livekit::Room& room, std::string id) {
  auto e = event("room_finished", std::move(id));
  e.room = room;
  return e;
}

livekit::WebhookEvent egress_ended(const livekit::EgressInfo& egress, std::string id);
livekit::WebhookEvent egress_updated_again(const livekit::EgressInfo& egress, std::string id);

livekit::WebhookEvent egress_ended(const livekit::EgressInfo& egress, std::string id) {
  auto e = event("egress_ended", std::move(id));
  e.egress = egress;
  return e;
}

// A recording's egress_updated, delivered again: it asks nothing more of the recorder.
livekit::WebhookEvent egress_updated_again(const livekit::EgressInfo& egress, std::string id) {
  auto e = event("egress_updated", std::move(id));
  e.egress = egress;
  return e;
}

class RecorderTest : public ::testing::Test {
 protected:
  RecorderTest() {
    log::setup({.level = log::Level::kError});
    recording::Rule skip;
    skip.label = "rules[0]";
    skip.match = recording::make_room_match("skip-*", "", {});
    skip.record = false;
    rules.push_back(skip);
  }

  Recorder& recorder(coordination::ClaimStore* claims = nullptr) {
    if (!recorder_) {
      policy_ = std::make_unique<recording::Policy>(top_level, rules);
      recorder_ = std::make_unique<Recorder>(
          Recorder::Parts{*policy_, delivery, livekit, timers, events, claims, &journal, 42});
    }
    return *recorder_;
  }

  void settle(milliseconds within = milliseconds(0)) { testing::settle(answers, timers, within); }

  // The only recording of the room, as LiveKit lists it.
  std::string recording_of(const std::string& room) {
    for (const auto& egress : livekit.egresses()) {
      if (egress.room_name == room && model::is_active(egress.status)) return egress.egress_id;
    }
    return "";
  }

  Answers answers;
  ManualTimers timers;
  FakeLiveKit livekit{answers};
  recording::Plan top_level;
  std::vector<recording::Rule> rules;
  Delivery delivery;
  testing::MemoryLedger journal;
  testing::RecordedEvents events;

 private:
  std::unique_ptr<recording::Policy> policy_;
  std::unique_ptr<Recorder> recorder_;
};

TEST_F(RecorderTest, AWebhookDeliveredTwiceStartsOneRecording) {
  const auto room = livekit.add_room("class-1");
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_1")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_1")), Verdict::kDuplicate);
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  EXPECT_EQ(livekit.active_recordings("class-1"), 1U);
  EXPECT_EQ(recorder().pending(), 0U);
  EXPECT_EQ(journal.status("RM_class-1"), "recording");
  EXPECT_EQ(journal.room("RM_class-1").learned_from, "webhook");
  EXPECT_EQ(journal.room("RM_class-1").recordings.size(), 1U);
  // Told: one start by the webhook, one duplicate skipped (recordings_skipped_total).
  EXPECT_EQ(events.started(Origin::kWebhook), 1U);
  EXPECT_EQ(events.skipped(SkipReason::kDuplicateEvent), 1U);
  EXPECT_EQ(events.all<Skipped>().at(0).event_id, "EV_1");
}

TEST_F(RecorderTest, ASecondRoomStartedForTheSameRoomSessionStartsNothing) {
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_2")), Verdict::kDuplicate);
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  EXPECT_EQ(events.skipped(SkipReason::kDuplicateRoom), 1U);
}

TEST_F(RecorderTest, RoomFinishedBeforeRoomStartedStartsNothing) {
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_finished(room, "EV_2"));
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_1")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), 0U);
  EXPECT_EQ(livekit.calls("Start"), 0U);
  // The ledger knows the session from room_finished alone, with the policy's decision.
  EXPECT_EQ(journal.status("RM_class-1"), "unrecorded");
  EXPECT_EQ(journal.room("RM_class-1").rule, "top level");
  const auto skipped = livekit.add_room("skip-late");
  recorder().on_webhook(room_finished(skipped, "EV_3"));
  EXPECT_EQ(journal.status("RM_skip-late"), "skipped");
}

TEST_F(RecorderTest, ABusyEgressFleetIsRetriedWithBackoffUntilOneRecordingStarts) {
  const auto room = livekit.add_room("class-1");
  livekit.fail_next("Start", {"unavailable", "unavailable", "unavailable"});
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  EXPECT_EQ(recorder().pending(), 1U);
  // The first retry waits exactly retry_initial_delay.
  settle(delivery.retry_initial_delay - milliseconds(1));
  EXPECT_EQ(livekit.calls("ListEgress"), 1U);
  settle(milliseconds(1));
  EXPECT_EQ(livekit.calls("ListEgress"), 2U);
  EXPECT_EQ(livekit.starts_for("class-1"), 2U);
  // Later ones wait at most retry_max_delay, and ask ListEgress first every time.
  settle(delivery.retry_max_delay);
  settle(delivery.retry_max_delay);
  EXPECT_EQ(livekit.starts_for("class-1"), 4U);
  EXPECT_EQ(livekit.calls("ListEgress"), 4U);
  EXPECT_EQ(livekit.active_recordings("class-1"), 1U);
  EXPECT_EQ(recorder().pending(), 0U);
  EXPECT_EQ(timers.waiting(), 0U);
  EXPECT_EQ(journal.room("RM_class-1").retries, 3);
  EXPECT_EQ(journal.status("RM_class-1"), "recording");
}

TEST_F(RecorderTest, AStartWhoseAnswerIsLostIsNotSentAgain) {
  const auto room = livekit.add_room("class-1");
  livekit.lose_next_start_answer();
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(recorder().pending(), 1U);  // a connection_error is retried...
  settle(delivery.retry_initial_delay);
  // ...and the retry's ListEgress finds the recording the lost answer was about.
  EXPECT_EQ(livekit.calls("ListEgress"), 2U);
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  EXPECT_EQ(livekit.active_recordings("class-1"), 1U);
  EXPECT_EQ(recorder().pending(), 0U);
  // The recording the lost answer was about is in the ledger, found by the check.
  EXPECT_EQ(journal.status("RM_class-1"), "recording");
}

TEST_F(RecorderTest, ARoomAlreadyRecordedBySomeoneElseIsNotStarted) {
  const auto room = livekit.add_room("class-1");
  livekit.add_egress("class-1", EgressStatus::kActive);  // a room composite, or a template
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(livekit.calls("Start"), 0U);
  EXPECT_EQ(recorder().pending(), 0U);
}

TEST_F(RecorderTest, AnEgressThatDoesNotRecordTheRoomDoesNotCount) {
  const auto room = livekit.add_room("class-1");
  livekit.add_egress("class-1", EgressStatus::kActive, false);  // a track or web egress
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
}

TEST_F(RecorderTest, RequestErrorsAreNotRetried) {
  for (const char* code : {"invalid_argument", "permission_denied", "http_404", "not_found"}) {
    const std::string name = std::string("room-") + code;
    const auto room = livekit.add_room(name);
    livekit.fail_next("Start", {code});
    recorder().on_webhook(room_started(room, "EV_" + name));
    settle(minutes(5));
    EXPECT_EQ(livekit.starts_for(name), 1U) << code;
    EXPECT_EQ(journal.status("RM_" + name), "unrecorded") << code;
    EXPECT_EQ(journal.room("RM_" + name).start_error.substr(0, std::string(code).size()), code);
  }
  // Told why each was given up: the configuration (LiveKit refused), or the room is gone.
  const auto gave_up = events.all<GaveUp>();
  ASSERT_EQ(gave_up.size(), 4U);
  EXPECT_EQ(gave_up.at(0).why, GaveUp::Why::kRefused);
  EXPECT_EQ(gave_up.at(0).failure.call, "StartRoomCompositeEgress");
  EXPECT_EQ(gave_up.at(3).why, GaveUp::Why::kRoomGone);
  EXPECT_TRUE(events.all<Retrying>().empty());
  EXPECT_EQ(recorder().pending(), 0U);
  EXPECT_EQ(timers.waiting(), 0U);
}

TEST_F(RecorderTest, TransientErrorsOfEveryKindAreRetried) {
  for (const char* code : {"internal", "deadline_exceeded", "http_502", "http_429"}) {
    const std::string name = std::string("room-") + code;
    const auto room = livekit.add_room(name);
    livekit.fail_next("ListEgress", {code});
    recorder().on_webhook(room_started(room, "EV_" + name));
    settle(delivery.retry_initial_delay);
    EXPECT_EQ(livekit.active_recordings(name), 1U) << code;
  }
}

TEST_F(RecorderTest, AStartIsGivenUpAfterRetryGiveUpAfter) {
  delivery.retry_give_up_after = minutes(2);
  const auto room = livekit.add_room("class-1");
  livekit.fail_next("Start", std::vector<std::string>(100, "unavailable"));
  recorder().on_webhook(room_started(room, "EV_1"));
  for (int i = 0; i < 10 && recorder().pending() > 0; ++i) settle(delivery.retry_max_delay);
  EXPECT_EQ(recorder().pending(), 0U);
  EXPECT_EQ(timers.waiting(), 0U);
  const std::size_t tries = livekit.starts_for("class-1");
  EXPECT_GE(tries, 4U);  // 2 minutes of waits of 1 s, then up to 2, 4, 8, ... 30 s
  EXPECT_LE(tries, 10U);
  // Each retry told (recordings_retried_total), then the give-up (recordings_failed_total).
  EXPECT_EQ(events.all<Retrying>().size(), tries - 1);
  EXPECT_EQ(events.all<Retrying>().back().retry, tries - 1);
  ASSERT_EQ(events.all<GaveUp>().size(), 1U);
  EXPECT_EQ(events.all<GaveUp>().at(0).why, GaveUp::Why::kTimeUp);
  EXPECT_EQ(events.all<GaveUp>().at(0).failure.outcome, "unavailable");
  // The reconciler's next pass asks again: a fresh attempt.
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), tries + 1);
}

TEST_F(RecorderTest, RoomFinishedCancelsAStartStillBeingRetried) {
  const auto room = livekit.add_room("class-1");
  livekit.fail_next("Start", {"unavailable"});
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(timers.waiting(), 1U);
  recorder().on_webhook(room_finished(room, "EV_2"));
  EXPECT_EQ(timers.waiting(), 0U);
  // One last look, in case the failed start worked after all; then nothing more.
  settle();
  EXPECT_EQ(recorder().pending(), 0U);
  EXPECT_EQ(livekit.calls("ListEgress"), 2U);
  settle(minutes(1));
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  EXPECT_EQ(livekit.active_recordings("class-1"), 0U);
  EXPECT_EQ(journal.status("RM_class-1"), "unrecorded");
  EXPECT_NE(journal.room("RM_class-1").finished_ms, 0);
}

TEST_F(RecorderTest, ARecordingThatFailsMidRoomIsRestartedAtMostThreeTimesAnHour) {
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_started(room, "EV_0"));
  settle();
  for (int failure = 1; failure <= 4; ++failure) {
    const auto ended = livekit.end(recording_of("class-1"), EgressStatus::kFailed);
    recorder().on_webhook(egress_ended(ended, "EV_" + std::to_string(failure)));
    settle();
  }
  EXPECT_EQ(livekit.calls("ListRooms"), 4U);          // each failure looked at the room...
  EXPECT_EQ(livekit.starts_for("class-1"), 1U + 3U);  // ...and three were restarted
  EXPECT_EQ(livekit.active_recordings("class-1"), 0U);
  EXPECT_EQ(journal.status("RM_class-1"), "partial");
  EXPECT_EQ(journal.room("RM_class-1").restarts, 3);
  // Four failures mid-room told, three restarts; the limit said once, counted each time asked.
  EXPECT_EQ(events.all<RecordingEnded>().size(), 4U);
  EXPECT_FALSE(events.all<RecordingEnded>().at(0).room_finished);
  EXPECT_EQ(events.started(Origin::kRestart), 3U);
  EXPECT_EQ(events.said_skipped(SkipReason::kRestartLimit), 1U);
  recorder().ensure_recording(room, Origin::kReconciler);
  EXPECT_EQ(events.skipped(SkipReason::kRestartLimit), 2U);
  EXPECT_EQ(events.said_skipped(SkipReason::kRestartLimit), 1U);
  EXPECT_EQ(events.all<Skipped>().back().restarts, 3U);
  // An hour after the first restarts the window has room again.
  timers.advance(minutes(61));
  recorder().ensure_recording(room, Origin::kReconciler);
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 5U);
  EXPECT_EQ(livekit.active_recordings("class-1"), 1U);
}

// A reconcile pass that listed the room before the restart's recording started asks for the room
// again: its check finds the new recording, and the restart budget is spent on starts only.
TEST_F(RecorderTest, AskingForARoomWhoseRestartAlreadyRecordsSpendsNoRestart) {
  delivery.max_restarts_per_hour = 2;
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_started(room, "EV_0"));
  settle();
  for (int failure = 1; failure <= 2; ++failure) {
    const auto ended = livekit.end(recording_of("class-1"), EgressStatus::kFailed);
    recorder().on_webhook(egress_ended(ended, "EV_" + std::to_string(failure)));
    settle();
    EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler), Verdict::kAccepted);
    settle();
  }
  EXPECT_EQ(livekit.starts_for("class-1"), 3U);  // both failures restarted
  EXPECT_EQ(livekit.active_recordings("class-1"), 1U);
  EXPECT_EQ(journal.room("RM_class-1").restarts, 2);
}

TEST_F(RecorderTest, ARecordingThatFailsAfterItsRoomFinishedIsNotRestarted) {
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  recorder().on_webhook(room_finished(room, "EV_2"));
  const auto ended = livekit.end(recording_of("class-1"), EgressStatus::kFailed);
  recorder().on_webhook(egress_ended(ended, "EV_3"));
  settle();
  EXPECT_EQ(livekit.calls("ListRooms"), 0U);
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
}

TEST_F(RecorderTest, ARecordingWhoseRoomIsGoneIsNotRestarted) {
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  livekit.remove_room("class-1");  // closed; its room_finished not delivered yet
  const auto ended = livekit.end(recording_of("class-1"), EgressStatus::kAborted);
  recorder().on_webhook(egress_ended(ended, "EV_2"));
  settle();
  EXPECT_EQ(livekit.calls("ListRooms"), 1U);
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
}

TEST_F(RecorderTest, ADeliberateStopStaysStoppedForThatRoomSession) {
  const auto room = livekit.add_room("hearing", "RM_A");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  const auto ended = livekit.end(recording_of("hearing"), EgressStatus::kComplete);  // StopEgress
  recorder().on_webhook(egress_ended(ended, "EV_2"));
  timers.advance(milliseconds(1));
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler, timers.now()),
            Verdict::kStopped);
  settle();
  EXPECT_EQ(livekit.starts_for("hearing"), 1U);
  // A new session of the room, under the same name, is recorded as usual.
  livekit.remove_room("hearing");
  const auto next = livekit.add_room("hearing", "RM_B");
  EXPECT_EQ(recorder().on_webhook(room_started(next, "EV_3")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.starts_for("hearing"), 2U);
  EXPECT_EQ(journal.status("RM_A"), "stopped");
  EXPECT_EQ(journal.status("RM_B"), "recording");
  EXPECT_EQ(events.skipped(SkipReason::kStoppedOnPurpose), 1U);
  EXPECT_EQ(events.all<Skipped>().at(0).egress_id, ended.egress_id);
}

TEST_F(RecorderTest, ADeliberateStopHoldsWhenItsWebhookIsLost) {
  const auto room = livekit.add_room("hearing", "RM_A");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  livekit.end(recording_of("hearing"), EgressStatus::kComplete);  // no egress_ended webhook
  // The reconciler sees the room unrecorded; the check before the start finds the stop.
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler, timers.now()),
            Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.starts_for("hearing"), 1U);
  // The next pass lists the room after the stop was noted: it lived on, so the stop was on
  // purpose. The ledger learned of it from ListEgress, without the webhook.
  timers.advance(seconds(30));
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler, timers.now()),
            Verdict::kStopped);
  recorder().on_webhook(room_finished(room, "EV_9"));
  EXPECT_EQ(journal.status("RM_A"), "stopped");
  EXPECT_EQ(journal.room("RM_A").recordings.at(0).status, model::EgressStatus::kComplete);
}

// Egress ends a room's recording as the room closes, and its egress_ended may come before
// room_finished: a reconcile pass that listed the room before that end is no evidence of a stop,
// so the session is recorded, not stopped (and it is not recorded again either).
TEST_F(RecorderTest, ARecordingThatEndsAsItsRoomClosesIsNotAStopOnPurpose) {
  const auto room = livekit.add_room("closing", "RM_A");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  const auto listed_at = timers.now();  // a pass lists the room...
  timers.advance(milliseconds(200));
  const auto ended = livekit.end(recording_of("closing"), EgressStatus::kComplete);
  recorder().on_webhook(egress_ended(ended, "EV_2"));  // ...then the recording ends with it
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler, listed_at), Verdict::kStopped);
  recorder().on_webhook(room_finished(room, "EV_3"));
  settle();
  EXPECT_EQ(livekit.starts_for("closing"), 1U);
  EXPECT_EQ(journal.status("RM_A"), "recorded");
  EXPECT_FALSE(journal.room("RM_A").recordings.at(0).stopped_on_purpose);
}

TEST_F(RecorderTest, ARoomRecordedToItsEndIsRecordedWithItsFiles) {
  auto room = livekit.add_room("consultation");
  room.created_ms = 1'700'000'000'000;
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  auto ended = livekit.end(recording_of("consultation"), EgressStatus::kComplete);
  ended.results.started_at_ns = 1'700'000'002'000'000'000;
  ended.results.ended_at_ns = 1'700'003'600'000'000'000;
  ended.results.files = {
      {"consultation.mp4", "s3://bucket/consultation.mp4", 123456, 3'598'000'000'000}};
  recorder().on_webhook(room_finished(room, "EV_2"));
  recorder().on_webhook(egress_ended(ended, "EV_3"));
  const ledger::Session kept = journal.room(room.sid);
  EXPECT_EQ(kept.status, ledger::Status::kRecorded);
  ASSERT_EQ(kept.recordings.size(), 1U);
  ASSERT_EQ(kept.recordings[0].files.size(), 1U);
  EXPECT_EQ(kept.recordings[0].files[0].location, "s3://bucket/consultation.mp4");
  EXPECT_EQ(kept.recordings[0].files[0].size, 123456);
  EXPECT_DOUBLE_EQ(kept.recordings[0].files[0].duration_seconds, 3598.0);
  EXPECT_DOUBLE_EQ(ledger::start_delay_seconds(kept), 2.0);
}

TEST_F(RecorderTest, RestartStoppedRecordingsStartsAStoppedRecordingAgain) {
  delivery.restart_stopped_recordings = true;
  const auto room = livekit.add_room("hearing");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  const auto ended = livekit.end(recording_of("hearing"), EgressStatus::kComplete);
  recorder().on_webhook(egress_ended(ended, "EV_2"));
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.starts_for("hearing"), 2U);
}

TEST_F(RecorderTest, AFullQueueAnswersBusyAndLiveKitsRetryOfTheWebhookGetsThrough) {
  delivery.max_pending_starts = 1;
  const auto a = livekit.add_room("a");
  const auto b = livekit.add_room("b");
  EXPECT_EQ(recorder().on_webhook(room_started(a, "EV_A")), Verdict::kAccepted);
  EXPECT_EQ(recorder().on_webhook(room_started(b, "EV_B")), Verdict::kBusy);  // 503
  ASSERT_EQ(events.all<Busy>().size(), 1U);
  EXPECT_EQ(events.all<Busy>().at(0).pending, 1U);
  settle();
  EXPECT_EQ(recorder().on_webhook(room_started(b, "EV_B")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.active_recordings("a"), 1U);
  EXPECT_EQ(livekit.active_recordings("b"), 1U);
}

TEST_F(RecorderTest, RoomsARuleExcludesAreSkippedWithoutAskingLiveKit) {
  const auto room = livekit.add_room("skip-me");
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_1")), Verdict::kSkipped);
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler), Verdict::kSkipped);
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), 0U);
  EXPECT_EQ(livekit.calls("Start"), 0U);
  EXPECT_EQ(journal.status("RM_skip-me"), "skipped");
  EXPECT_EQ(journal.room("RM_skip-me").rule, "rules[0]");
  // Said and counted once, though the reconciler asks again every pass.
  EXPECT_EQ(events.skipped(SkipReason::kRule), 1U);
  EXPECT_EQ(events.all<Skipped>().at(0).rule, "rules[0]");
}

TEST_F(RecorderTest, EventsAreRememberedForDedupeTtlThenCheckedAgainstLiveKit) {
  delivery.dedupe_ttl = minutes(10);
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  timers.advance(minutes(9));
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_1")), Verdict::kDuplicate);
  timers.advance(minutes(2));
  // Forgotten: handled again, and the ListEgress check still finds the recording.
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_1")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), 2U);
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
}

TEST_F(RecorderTest, ShuttingDownAnswersBusyAndLeavesRetriesToTheNextProcess) {
  const auto room = livekit.add_room("class-1");
  livekit.fail_next("Start", {"unavailable"});
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(timers.waiting(), 1U);
  recorder().shut_down();
  EXPECT_EQ(timers.waiting(), 0U);
  const auto other = livekit.add_room("class-2");
  EXPECT_EQ(recorder().on_webhook(room_started(other, "EV_2")), Verdict::kShuttingDown);
  settle(minutes(1));
  EXPECT_EQ(livekit.calls("Start"), 1U);
  ASSERT_EQ(events.all<RetriesAbandoned>().size(), 1U);
  EXPECT_EQ(events.all<RetriesAbandoned>().at(0).rooms, 1U);
}

TEST_F(RecorderTest, IgnoredEventsChangeNothing) {
  const auto room = livekit.add_room("class-1");
  auto joined = event("participant_joined", "EV_1");
  joined.room = room;
  EXPECT_EQ(recorder().on_webhook(joined), Verdict::kAccepted);
  settle();
  // Participant and track events do not touch the ledger either.
  EXPECT_EQ(journal.status(room.sid), "(not in the ledger)");
  EXPECT_EQ(recorder().on_webhook(room_started(room, "EV_1")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
}

// Several replicas share LiveKit and a claim table, as they share Redis.
class ReplicasTest : public RecorderTest {
 protected:
  ReplicasTest()
      : claims_a("a", table, answers),
        claims_b("b", table, answers),
        claims_c("c", table, answers) {}

  Recorder& replica(FakeClaims& claims) {
    auto& slot = replicas_[&claims];
    if (!slot) {
      slot = std::make_unique<Recorder>(
          Recorder::Parts{policy_, delivery, livekit, timers, events, &claims, &journal, 7});
    }
    return *slot;
  }

  ClaimTable table;
  FakeClaims claims_a;
  FakeClaims claims_b;
  FakeClaims claims_c;

 private:
  recording::Policy policy_{top_level, rules};  // one for every replica
  std::map<FakeClaims*, std::unique_ptr<Recorder>> replicas_;
};

TEST_F(ReplicasTest, AWebhookDeliveredToTwoReplicasStartsOneRecording) {
  const auto room = livekit.add_room("class-1");
  replica(claims_a).on_webhook(room_started(room, "EV_1"));
  replica(claims_b).on_webhook(room_started(room, "EV_1"));  // the same event: handled by a
  replica(claims_c).on_webhook(room_started(room, "EV_2"));  // LiveKit's retry, new id: claimed
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  EXPECT_EQ(livekit.calls("ListEgress"), 1U);  // the others lost the claim before asking
  EXPECT_EQ(table.claims.at("RM_class-1"), "egress:" + recording_of("class-1"));
  // Told: one claim won; the same event a duplicate, LiveKit's retry claimed elsewhere.
  const auto claims = events.all<Claimed>();
  EXPECT_EQ(std::count_if(claims.begin(), claims.end(),
                          [](const auto& c) { return c.result == model::Claim::kWon; }),
            1);
  EXPECT_EQ(events.skipped(SkipReason::kDuplicateEvent), 1U);
  EXPECT_EQ(events.skipped(SkipReason::kClaimedElsewhere), 1U);
}

TEST_F(ReplicasTest, WithRedisUnreachableTheListEgressCheckStillGuards) {
  table.available = false;
  const auto room = livekit.add_room("class-1");
  replica(claims_a).on_webhook(room_started(room, "EV_1"));
  settle();
  replica(claims_b).on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  EXPECT_EQ(livekit.calls("ListEgress"), 2U);
}

TEST_F(ReplicasTest, TheReplicaThatHearsARecordingFailedTakesOverItsClaim) {
  const auto room = livekit.add_room("class-1");
  replica(claims_a).on_webhook(room_started(room, "EV_1"));
  settle();
  const auto ended = livekit.end(recording_of("class-1"), EgressStatus::kFailed);
  replica(claims_b).on_webhook(egress_ended(ended, "EV_2"));
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 2U);
  EXPECT_EQ(livekit.active_recordings("class-1"), 1U);
}

TEST_F(ReplicasTest, AStartThatFailsForGoodReleasesItsClaimForOthers) {
  const auto room = livekit.add_room("class-1");
  livekit.fail_next("Start", {"invalid_argument"});
  replica(claims_a).on_webhook(room_started(room, "EV_1"));
  settle();
  EXPECT_EQ(claims_a.releases, 1U);
  replica(claims_b).ensure_recording(room, Origin::kReconciler);
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 2U);
  EXPECT_EQ(livekit.active_recordings("class-1"), 1U);
}

// Duplicates healed (recorder/duplicates.hpp, heal.cpp).

livekit::WebhookEvent egress_started(const livekit::EgressInfo& egress, std::string id) {
  auto e = event("egress_started", std::move(id));
  e.egress = egress;
  return e;
}

TEST(Duplicates, TheOldestIsKeptAndOnlyOursAreStopped) {
  const auto composite = [](std::string id, std::int64_t started_ns, bool files = true) {
    livekit::EgressInfo e;
    e.egress_id = std::move(id);
    e.room_id = "RM_1";
    e.status = EgressStatus::kActive;
    e.kind = model::RecordingKind::kRoomComposite;
    e.writes_files = files;
    e.results.started_at_ns = started_ns;
    return e;
  };
  const auto ours = [](const std::string& id) { return id.starts_with("EG_ours"); };
  // The room's one Healing, if any.
  const auto heal_room = [&](const std::vector<livekit::EgressInfo>& egresses) {
    const std::vector<Healing> all = heal(egresses, "RM_1", ours);
    EXPECT_LE(all.size(), 1U);
    return all.empty() ? Healing{} : all.front();
  };
  std::vector<livekit::EgressInfo> listed{composite("EG_ours_new", 30), composite("EG_auto", 10),
                                          composite("EG_ours_old", 20)};
  Healing healing = heal_room(listed);
  EXPECT_EQ(healing.keep, "EG_auto");
  EXPECT_EQ(healing.stop, (std::vector<std::string>{"EG_ours_old", "EG_ours_new"}));
  // An active one is kept before an older one still starting (it may never start); one ending is
  // on its way out: neither kept nor a reason to stop ours.
  listed = {composite("EG_ours", 30), composite("EG_auto", 10)};
  listed[1].status = EgressStatus::kStarting;
  EXPECT_EQ(heal_room(listed).keep, "EG_ours");
  listed[1].status = EgressStatus::kEnding;
  EXPECT_TRUE(heal_room(listed).stop.empty());
  // Ours is the oldest: the application's newer one is never stopped.
  listed = {composite("EG_ours", 10), composite("EG_app", 20)};
  healing = heal_room(listed);
  EXPECT_EQ(healing.keep, "EG_ours");
  EXPECT_TRUE(healing.stop.empty());
  // One not started yet (no start time) is the newest; a stream-only composite, a recording of
  // another session, one that ended: none is a duplicate.
  listed = {composite("EG_ours", 0), composite("EG_auto", 50)};
  EXPECT_EQ(heal_room(listed).stop, std::vector<std::string>{"EG_ours"});
  listed = {composite("EG_ours", 20), composite("EG_stream", 10, false)};
  EXPECT_TRUE(heal_room(listed).stop.empty());
  listed = {composite("EG_ours", 20), composite("EG_auto", 10)};
  listed[1].room_id = "RM_2";
  EXPECT_TRUE(heal_room(listed).stop.empty());
  listed[1].room_id = "RM_1";
  listed[1].status = EgressStatus::kComplete;
  EXPECT_TRUE(heal_room(listed).stop.empty());
}

// Participants and tracks: each is its own group, healed as a room is; a participant's recording
// that started before it (re)joined, or one whose participant left, is left alone.
TEST(Duplicates, EachParticipantAndTrackIsHealedApartAndARejoinIsNoDuplicate) {
  const auto recording = [](std::string id, model::RecordingKind kind, std::string subject,
                            std::int64_t started_ms) {
    livekit::EgressInfo e;
    e.egress_id = std::move(id);
    e.room_id = "RM_1";
    e.status = EgressStatus::kActive;
    e.kind = kind;
    e.subject = std::move(subject);
    e.writes_files = true;
    e.results.started_at_ns = started_ms * 1'000'000;
    return e;
  };
  using K = model::RecordingKind;
  const auto ours = [](const std::string& id) { return id.starts_with("EG_ours"); };
  std::vector<livekit::EgressInfo> listed{recording("EG_ours_alice", K::kParticipant, "alice", 300),
                                          recording("EG_auto_alice", K::kParticipant, "alice", 200),
                                          recording("EG_ours_track", K::kTrack, "TR_a", 300),
                                          recording("EG_auto_track", K::kTrack, "TR_a", 250),
                                          recording("EG_ours_bob", K::kParticipant, "bob", 300),
                                          recording("EG_ours_room", K::kRoomComposite, "", 100)};
  EXPECT_TRUE(participants_doubled(listed, "RM_1"));
  EXPECT_FALSE(participants_doubled(listed, "RM_2"));
  // Without ListParticipants, participants are left alone; the track is healed.
  std::vector<Healing> healed = heal(listed, "RM_1", ours);
  ASSERT_EQ(healed.size(), 1U);
  EXPECT_EQ(healed[0].keep, "EG_auto_track");
  EXPECT_EQ(healed[0].stop, std::vector<std::string>{"EG_ours_track"});
  // Alice joined at 150: both of hers record this session, and ours is the newer.
  std::int64_t alice_joined = 150;
  const JoinedAt joined = [&](const std::string& identity) -> std::optional<std::int64_t> {
    if (identity == "alice") return alice_joined;
    return std::nullopt;
  };
  healed = heal(listed, "RM_1", ours, &joined);
  ASSERT_EQ(healed.size(), 2U);
  const auto alice = std::find_if(healed.begin(), healed.end(),
                                  [](const Healing& h) { return h.keep == "EG_auto_alice"; });
  ASSERT_NE(alice, healed.end());
  EXPECT_EQ(alice->stop, std::vector<std::string>{"EG_ours_alice"});
  // She rejoined at 250: the older recording is her earlier session's, ending by itself.
  alice_joined = 250;
  healed = heal(listed, "RM_1", ours, &joined);
  ASSERT_EQ(healed.size(), 1U);
  EXPECT_EQ(healed[0].keep, "EG_auto_track");
  // Gone from the room: her recordings end with her.
  alice_joined = 0;
  const JoinedAt left = [](const std::string&) { return std::optional<std::int64_t>(); };
  EXPECT_EQ(heal(listed, "RM_1", ours, &left).size(), 1U);
}

TEST_F(RecorderTest, OursIsStoppedWhenAnOlderRecordingOfTheSessionShowsUpAndItsEndIsNoStop) {
  const auto room = livekit.add_room("class-1");
  timers.advance(milliseconds(10));
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  const std::string ours = recording_of("class-1");
  // LiveKit's own auto-egress, started before ours, listed only now.
  livekit::EgressInfo& theirs = livekit.add_egress("class-1", EgressStatus::kActive);
  theirs.results.started_at_ns = 1;
  const livekit::EgressInfo auto_egress = theirs;
  recorder().on_webhook(egress_started(auto_egress, "EV_2"));
  settle();
  EXPECT_EQ(livekit.calls("Stop " + ours), 1U);
  EXPECT_EQ(livekit.calls("Stop " + auto_egress.egress_id), 0U) << "never one we did not start";
  ASSERT_EQ(events.all<DuplicateStopped>().size(), 1U);
  EXPECT_EQ(events.all<DuplicateStopped>()[0].kept, auto_egress.egress_id);
  const auto recordings = journal.room("RM_class-1").recordings;
  ASSERT_EQ(recordings.size(), 2U);
  const auto stopped = std::find_if(recordings.begin(), recordings.end(),
                                    [&](const auto& r) { return r.egress_id == ours; });
  ASSERT_NE(stopped, recordings.end());
  EXPECT_EQ(stopped->duplicate_of, auto_egress.egress_id) << "stopped: duplicate";
  // Its egress_ended (EGRESS_COMPLETE, the room alive) is no stop on purpose: when the kept one
  // fails, the session is recorded again.
  EXPECT_EQ(livekit.egress(ours).status, EgressStatus::kAborted) << "stopped while starting";
  recorder().on_webhook(egress_ended(livekit.egress(ours), "EV_3"));
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 1U) << "the end asked for is no failure to restart";
  EXPECT_TRUE(events.all<RecordingEnded>().back().duplicate);
  EXPECT_EQ(journal.status("RM_class-1"), "recording") << "not partial: the kept one records";
  recorder().on_webhook(egress_updated_again(auto_egress, "EV_4"));
  const auto failed = livekit.end(auto_egress.egress_id, EgressStatus::kFailed);
  recorder().on_webhook(egress_ended(failed, "EV_5"));
  settle();
  EXPECT_EQ(livekit.starts_for("class-1"), 2U) << "restarted, not held as stopped";
  EXPECT_EQ(events.skipped(SkipReason::kStoppedOnPurpose), 0U);
}

TEST_F(RecorderTest, NothingIsStoppedWhenOursIsTheOldestOrHealingIsOff) {
  const auto room = livekit.add_room("class-1");
  recorder().on_webhook(room_started(room, "EV_1"));
  settle();
  livekit.set_status(recording_of("class-1"), EgressStatus::kActive);
  timers.advance(milliseconds(10));
  const livekit::EgressInfo app = livekit.add_egress("class-1", EgressStatus::kActive);
  recorder().on_webhook(egress_started(app, "EV_2"));
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), 2U) << "looked";
  EXPECT_TRUE(events.all<DuplicateStopped>().empty());

  delivery.heal_duplicates = false;
  const auto other = livekit.add_room("class-2");
  recorder().on_webhook(room_started(other, "EV_3"));
  settle();
  livekit::EgressInfo& older = livekit.add_egress("class-2", EgressStatus::kActive);
  older.results.started_at_ns = 1;
  recorder().check_duplicates(other);
  recorder().on_webhook(egress_started(older, "EV_4"));
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), 3U) << "only the start's check: nothing looked";
  EXPECT_TRUE(events.all<DuplicateStopped>().empty());
}

}  // namespace
}  // namespace ar::recorder
