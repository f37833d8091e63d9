// The reconciler makes the ledger true when webhooks were lost, case by case (docs/ledger.md,
// "How the ledger stays true"; the guarantees table names these tests): the recorder, the
// reconciler and a real SQLite ledger in memory, against a fake LiveKit and a clock the test moves.
#include <gtest/gtest.h>

#include <memory>

#include "recorder/process.hpp"
#include "telemetry/log.hpp"

namespace ar::recorder {
namespace {

using model::EgressStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ReconcileLedgerTest : public ::testing::Test {
 protected:
  ReconcileLedgerTest() {
    log::setup({.level = log::Level::kError});
    livekit.use_clock(timers);
    livekit.require_rooms = true;
    delivery.reconcile_interval = seconds(1);
  }

  void start() {
    process_.start();
    settle();
  }
  void stop() { process_.kill(); }
  void restart() {
    stop();
    start();
  }
  Recorder& recorder() { return process_.recorder(); }
  void settle(milliseconds within = milliseconds(0)) { testing::settle(answers, timers, within); }
  void passes(int n) {
    for (int i = 0; i < n; ++i) settle(delivery.reconcile_interval);
  }
  std::string only_recording(const std::string& room) {
    for (const auto& e : livekit.egresses()) {
      if (e.room_name == room) return e.egress_id;
    }
    return "";
  }
  livekit::WebhookEvent hook(std::string_view name, std::int64_t at_ms) {
    livekit::WebhookEvent e;
    e.id = "EV_" + std::to_string(++events_);
    e.event = std::string(name);
    e.kind = livekit::event_kind(name);
    e.created_at = at_ms / 1000;
    return e;
  }
  void room_started(const livekit::Room& room) {
    auto e = hook("room_started", livekit.now_ms());
    e.room = room;
    recorder().on_webhook(e);
    settle();
  }
  void room_finished(const livekit::Room& room) {
    auto e = hook("room_finished", livekit.now_ms());
    e.room = room;
    recorder().on_webhook(e);
    settle();
  }
  void egress_ended(const livekit::EgressInfo& egress) {
    auto e = hook("egress_ended", livekit.now_ms());
    e.egress = egress;
    recorder().on_webhook(e);
    settle();
  }

  testing::Answers answers;
  testing::ManualTimers timers;
  testing::FakeLiveKit livekit{answers};
  testing::MemoryLedger ledger{&answers};
  Delivery delivery;

 private:
  recording::Plan top_level_;
  std::vector<recording::Rule> rules_;
  recording::Policy policy_{top_level_, rules_};
  testing::RecorderProcess process_{policy_, delivery, livekit, timers, answers, ledger};
  int events_ = 0;
};

TEST_F(ReconcileLedgerTest, AFailedRecordingWhoseEndWasLostMakesTheSessionPartial) {
  start();
  const auto room = livekit.add_room("hearing", "RM_1");
  room_started(room);
  settle(seconds(5));
  livekit.close_room("hearing", EgressStatus::kFailed);  // its egress_ended is lost
  room_finished(room);
  EXPECT_EQ(ledger.status("RM_1"), "recorded") << "what the webhooks alone said";
  passes(1);
  const ledger::Session row = ledger.room("RM_1");
  EXPECT_EQ(row.status, ledger::Status::kPartial);
  EXPECT_EQ(row.recordings.at(0).status, model::EgressStatus::kFailed);
  EXPECT_EQ(row.recordings.at(0).error, "pipeline failed (test)");
  EXPECT_EQ(row.recordings.at(0).ended_ms, livekit.now_ms() - 1000);
  EXPECT_EQ(ledger.ended, std::vector<ledger::Status>{ledger::Status::kPartial});
}

TEST_F(ReconcileLedgerTest, ASessionWhoseRoomFinishedWasLostIsClosedAndCountedOnce) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  room_started(room);
  settle(seconds(5));
  livekit.close_room("class");
  const std::int64_t closed_ms = livekit.now_ms();
  egress_ended(livekit.egress(only_recording("class")));  // room_finished is lost
  EXPECT_EQ(ledger.status("RM_1"), "stopped") << "what the webhooks alone said";
  restart();  // the memory of the process is gone; the ledger's is not
  passes(3);
  const ledger::Session row = ledger.room("RM_1");
  EXPECT_EQ(row.status, ledger::Status::kRecorded);
  EXPECT_EQ(row.finished_ms, closed_ms) << "its recording ended with it";
  EXPECT_EQ(row.closed_by, "reconciler");
  EXPECT_EQ(ledger.ended, std::vector<ledger::Status>{ledger::Status::kRecorded});
}

TEST_F(ReconcileLedgerTest, AnEndFoundWithoutItsWebhookRestartsTheRecordingAndCountsIt) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  room_started(room);
  const std::string first = only_recording("class");
  livekit.end(first, EgressStatus::kFailed);  // mid-room; egress_ended is lost
  const std::size_t asked = livekit.calls("ListRooms");
  passes(1);
  EXPECT_EQ(livekit.active_recordings("class"), 1U) << "restarted";
  EXPECT_EQ(livekit.calls("ListRooms"), asked) << "the pass had just listed the room";
  const ledger::Session row = ledger.room("RM_1");
  EXPECT_EQ(row.restarts, 1);
  ASSERT_EQ(row.recordings.size(), 2U);
  EXPECT_EQ(row.recordings[0].status, model::EgressStatus::kFailed);
  EXPECT_NE(row.recordings[0].ended_ms, 0);
  EXPECT_TRUE(row.recordings[1].restart);
  EXPECT_EQ(row.status, ledger::Status::kPartial);
  // Its webhook arriving late changes nothing more.
  egress_ended(livekit.egress(first));
  passes(2);
  EXPECT_EQ(livekit.egresses().size(), 2U);
  EXPECT_EQ(ledger.room("RM_1").restarts, 1);
}

TEST_F(ReconcileLedgerTest, AFailureOfASessionTheLedgerDidNotKnowYetIsARestartToo) {
  start();
  // The pass reads the ledger before the session's first entry is written (its room_started
  // was lost, or is being written): ListEgress still shows the session's failed recording.
  const auto room = livekit.add_room("class", "RM_1");
  livekit.add_egress("class", EgressStatus::kFailed);
  passes(2);
  EXPECT_EQ(livekit.active_recordings("class"), 1U);
  const ledger::Session row = ledger.room("RM_1");
  EXPECT_EQ(row.restarts, 1) << "a recording started after a failure in the session";
  ASSERT_EQ(row.recordings.size(), 2U);
  EXPECT_EQ(row.status, ledger::Status::kPartial);
  EXPECT_EQ(room.sid, "RM_1");
}

TEST_F(ReconcileLedgerTest, AStartWhoseCheckListsAFailureOfTheSessionIsACountedRestart) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  room_started(room);
  livekit.end(only_recording("class"), EgressStatus::kFailed);  // its egress_ended is on the way
  // A pass that listed the rooms a moment ago (with the recording still active) asks for it.
  EXPECT_EQ(recorder().ensure_recording(room, Origin::kReconciler), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.active_recordings("class"), 1U);
  EXPECT_EQ(ledger.room("RM_1").restarts, 1) << "whoever starts it, it is a restart";
}

TEST_F(ReconcileLedgerTest, ADeliberateStopFoundWithoutItsWebhookIsRespected) {
  start();
  const auto room = livekit.add_room("consultation", "RM_1");
  room_started(room);
  livekit.end(only_recording("consultation"), EgressStatus::kComplete);  // StopEgress
  passes(3);
  EXPECT_EQ(livekit.egresses().size(), 1U) << "not started again";
  EXPECT_EQ(ledger.status("RM_1"), "stopped");
  EXPECT_NE(ledger.room("RM_1").recordings.at(0).ended_ms, 0);
}

TEST_F(ReconcileLedgerTest, RoomFinishedWhileTheStartIsInFlightKeepsTheRecordingItMade) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  auto started = hook("room_started", livekit.now_ms());
  started.room = room;
  recorder().on_webhook(started);
  answers.settle();  // the check answered; the start is sent, its answer not yet here...
  ASSERT_EQ(livekit.calls("Start"), 1U);
  auto finished = hook("room_finished", livekit.now_ms());
  finished.room = room;
  recorder().on_webhook(finished);  // ...when the room finishes
  settle();
  const ledger::Session row = ledger.room("RM_1");
  ASSERT_EQ(row.recordings.size(), 1U) << "the egress that exists belongs to its session";
  EXPECT_NE(row.status, ledger::Status::kUnrecorded);
  EXPECT_EQ(row.start_error, "");
  EXPECT_EQ(recorder().pending(), 0U);
}

TEST_F(ReconcileLedgerTest, RoomFinishedWhileWaitingAfterALostAnswerFindsTheRecording) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  livekit.lose_next_start_answer();
  room_started(room);  // started, but the answer is lost: a retry waits
  EXPECT_EQ(timers.waiting(), 2U) << "the retry, and the next pass";
  room_finished(room);
  EXPECT_EQ(livekit.calls("Start"), 1U);
  const ledger::Session row = ledger.room("RM_1");
  ASSERT_EQ(row.recordings.size(), 1U);
  EXPECT_EQ(row.recordings[0].egress_id, only_recording("class"));
  EXPECT_EQ(row.start_error, "") << "a recording started";
  EXPECT_NE(row.finished_ms, 0);
}

TEST_F(ReconcileLedgerTest, RoomFinishedWhileLiveKitCannotListItsRecordingsAsksAgain) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  livekit.lose_next_start_answer();
  room_started(room);  // started, but the answer is lost: a retry waits
  livekit.fail_next("ListEgress", {"unavailable"});
  room_finished(room);  // the check it makes is not answered...
  EXPECT_EQ(recorder().pending(), 1U) << "...so LiveKit is asked again";
  settle(seconds(5));
  const ledger::Session row = ledger.room("RM_1");
  ASSERT_EQ(row.recordings.size(), 1U) << "not closed unrecorded beside its egress";
  EXPECT_EQ(row.recordings[0].egress_id, only_recording("class"));
  EXPECT_NE(row.finished_ms, 0);
  EXPECT_EQ(livekit.calls("Start"), 1U);
  EXPECT_EQ(recorder().pending(), 0U);
}

TEST_F(ReconcileLedgerTest, RoomFinishedAfterTheShutdownBeganIsStillWritten) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  livekit.fail_next("Start", {"unavailable"});
  room_started(room);      // a retry waits...
  recorder().shut_down();  // ...when the service begins to stop: left to the next start
  EXPECT_EQ(recorder().pending(), 0U);
  room_finished(room);
  EXPECT_NE(ledger.room("RM_1").finished_ms, 0);
}

TEST_F(ReconcileLedgerTest, TheStartDelayIsMeasuredToThisSessionsOwnRecording) {
  start();
  livekit.add_room("class", "RM_old");
  settle(seconds(1));
  ASSERT_EQ(livekit.egresses().size(), 1U);
  livekit.set_status(only_recording("class"), EgressStatus::kEnding);  // still uploading...
  livekit.remove_room("class");
  settle(seconds(20));
  const auto room = livekit.add_room("class", "RM_new");  // ...when the next session starts
  settle(seconds(2));
  room_started(room);
  ASSERT_EQ(livekit.egresses().size(), 2U) << "an earlier session's egress does not record it";
  const ledger::Session row = ledger.room("RM_new");
  ASSERT_EQ(row.recordings.size(), 1U);
  EXPECT_NE(row.recordings[0].egress_id, livekit.egresses()[0].egress_id);
  EXPECT_LT(ledger::start_delay_seconds(row), 3.0);
}

TEST_F(ReconcileLedgerTest, ASessionLiveKitForgotIsClosedWithWhatIsKnownAndMarked) {
  start();
  const auto room = livekit.add_room("class", "RM_1");
  room_started(room);
  settle(seconds(3));
  const std::int64_t last_known = livekit.now_ms() - 3000;
  stop();  // the recorder is down for a day: LiveKit forgets the room and its egress
  livekit.close_room("class");
  livekit.forget_ended_egresses();
  timers.advance(std::chrono::hours(25));
  start();
  passes(1);
  const ledger::Session row = ledger.room("RM_1");
  EXPECT_EQ(row.closed_by, "reconciler");
  EXPECT_EQ(row.status, ledger::Status::kPartial) << "its file cannot be shown complete";
  EXPECT_EQ(row.recordings.at(0).closed_by, "reconciler");
  EXPECT_GE(row.finished_ms, last_known);
  EXPECT_LT(row.finished_ms, last_known + 5000) << "what is known, not when it was found";
  EXPECT_EQ(ledger.ended, std::vector<ledger::Status>{ledger::Status::kPartial});
}

TEST_F(ReconcileLedgerTest, APassReadsListEgressOnceWhateverTheNumberOfSessions) {
  start();
  for (int i = 0; i < 50; ++i) {
    room_started(livekit.add_room("room-" + std::to_string(i), "RM_" + std::to_string(i)));
  }
  const std::size_t lists = livekit.calls("ListEgress");
  passes(3);
  EXPECT_EQ(livekit.calls("ListEgress all"), 1U + 3U);  // the first pass at start, and three
  EXPECT_EQ(livekit.calls("ListEgress"), lists) << "no ListEgress per room";
  EXPECT_EQ(livekit.calls("ListEgress active"), 0U);
}

TEST_F(ReconcileLedgerTest, WithTheLedgerUnreadableRoomsAreStillRecorded) {
  ledger.unreadable = true;
  start();
  livekit.add_room("class", "RM_1");
  passes(1);
  EXPECT_EQ(livekit.active_recordings("class"), 1U);
  EXPECT_EQ(livekit.calls("ListEgress active"), 2U) << "without the ledger, active ones suffice";
  ledger.unreadable = false;
  livekit.close_room("class");
  passes(2);
  EXPECT_EQ(ledger.room("RM_1").closed_by, "reconciler");
}

}  // namespace
}  // namespace ar::recorder
