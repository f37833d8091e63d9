// record: participants and record: tracks, in memory: one recording per participant session and
// per published track, through the same claim, check, start and retry as a room's
// (recorder/subjects.cpp). tests/integration/subjects.test.mjs shows the same through real
// processes.
#include <gtest/gtest.h>

#include <memory>

#include "recorder/fakes.hpp"
#include "recorder/memory_ledger.hpp"
#include "recorder/reconciler.hpp"
#include "recorder/recorded_events.hpp"
#include "recorder/recorder.hpp"
#include "telemetry/log.hpp"

namespace ar::recorder {
namespace {

using model::EgressStatus;
using testing::Answers;
using testing::ClaimTable;
using testing::FakeClaims;
using testing::FakeLiveKit;
using testing::ManualTimers;

// A participant publishing one audio track (TR_<identity>), or nothing (`publishing` false).
livekit::Participant participant(std::string identity,
                                 model::ParticipantKind kind = model::ParticipantKind::kStandard,
                                 bool publishing = true) {
  livekit::Participant p;
  p.sid = "PA_" + identity;
  p.identity = std::move(identity);
  p.kind = kind;
  if (publishing) p.tracks.push_back({"TR_" + p.identity, true, false});
  return p;
}

livekit::WebhookEvent joined(const livekit::Room& room, const livekit::Participant& who,
                             std::string id) {
  livekit::WebhookEvent e;
  e.id = std::move(id);
  e.event = "participant_joined";
  e.kind = livekit::EventKind::kParticipantJoined;
  e.room = room;
  e.participant = who;
  return e;
}

livekit::WebhookEvent published(const livekit::Room& room, const livekit::Participant& who,
                                const livekit::Track& track, std::string id) {
  auto e = joined(room, who, std::move(id));
  e.event = "track_published";
  e.kind = livekit::EventKind::kTrackPublished;
  e.track = track;
  return e;
}

class SubjectsTest : public ::testing::Test {
 protected:
  SubjectsTest() {
    log::setup({.level = log::Level::kError});
    top_level.record = {.room = false, .participants = true, .tracks = false};
    top_level.file = recording::FileOutput{};
    top_level.subjects.video_tracks = false;
  }

  Recorder& recorder(coordination::ClaimStore* claims = nullptr) {
    if (!recorder_) {
      policy_ = std::make_unique<recording::Policy>(top_level, rules);
      recorder_ = std::make_unique<Recorder>(
          Recorder::Parts{*policy_, delivery, livekit, timers, events, claims, &journal, 42});
    }
    return *recorder_;
  }
  void settle() { testing::settle(answers, timers, std::chrono::milliseconds(0)); }

  std::size_t recordings_of(const std::string& subject) const {
    std::size_t n = 0;
    for (const auto& egress : livekit.egresses()) {
      n += egress.subject == subject && model::is_active(egress.status) ? 1 : 0;
    }
    return n;
  }

  Answers answers;
  ManualTimers timers;
  FakeLiveKit livekit{answers};
  recording::Plan top_level;
  std::vector<recording::Rule> rules;
  Delivery delivery;
  testing::RecordedEvents events;
  testing::MemoryLedger journal;

 private:
  std::unique_ptr<recording::Policy> policy_;
  std::unique_ptr<Recorder> recorder_;
};

TEST_F(SubjectsTest, WithOnlyRoomRecordedParticipantEventsAreIgnoredWithoutALook) {
  top_level.record = {};
  const auto room = livekit.add_room("class-1");
  EXPECT_EQ(recorder().on_webhook(joined(room, participant("alice"), "EV_1")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), 0U);
  EXPECT_EQ(livekit.calls("StartSubject"), 0U);
  EXPECT_EQ(events.all<WebhookIgnored>().size(), 1U);
}

TEST_F(SubjectsTest, AParticipantIsRecordedOnceAndTheEgressOwnParticipantNever) {
  const auto room = livekit.add_room("class-1");
  const auto alice = participant("alice");
  recorder().on_webhook(joined(room, alice, "EV_1"));
  recorder().on_webhook(joined(room, alice, "EV_2"));  // a retry under a new id, at once
  settle();
  recorder().on_webhook(joined(room, alice, "EV_3"));  // and later: the check lists it
  recorder().on_webhook(joined(room, participant("EG_x", model::ParticipantKind::kEgress), "EV_4"));
  settle();
  EXPECT_EQ(recordings_of("alice"), 1U);
  EXPECT_EQ(recordings_of("EG_x"), 0U);
  EXPECT_EQ(livekit.calls("StartSubject"), 1U);
  EXPECT_EQ(livekit.starts_for("class-1"), 0U) << "record: participants without room";
}

TEST_F(SubjectsTest, AParticipantIsRecordedFromItsFirstTrackAndAViewerNever) {
  const auto room = livekit.add_room("webinar");
  const auto viewer = participant("viewer", model::ParticipantKind::kStandard, false);
  recorder().on_webhook(joined(room, viewer, "EV_1"));
  auto speaker = participant("speaker", model::ParticipantKind::kStandard, false);
  recorder().on_webhook(joined(room, speaker, "EV_2"));
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), 0U) << "nothing published: nothing asked";
  recorder().on_webhook(published(room, speaker, {"TR_mic", true, false}, "EV_3"));
  settle();
  EXPECT_EQ(recordings_of("speaker"), 1U);
  const std::size_t checks = livekit.calls("ListEgress");
  recorder().on_webhook(published(room, speaker, {"TR_cam", false, false}, "EV_4"));
  settle();
  EXPECT_EQ(livekit.calls("ListEgress"), checks) << "a second track asks LiveKit nothing";
  EXPECT_EQ(recordings_of("speaker"), 1U);
  EXPECT_EQ(recordings_of("viewer"), 0U);
}

TEST_F(SubjectsTest, OnlyTheWantedTypesOfTracksAreRecordedEachOnce) {
  top_level.record = {.room = false, .participants = false, .tracks = true};
  const auto room = livekit.add_room("podcast");
  const auto host = participant("host", model::ParticipantKind::kStandard, false);
  recorder().on_webhook(published(room, host, {"TR_mic", true, false}, "EV_1"));
  recorder().on_webhook(published(room, host, {"TR_cam", false, false}, "EV_2"));
  recorder().on_webhook(published(room, host, {"TR_data", false, true}, "EV_3"));
  settle();
  recorder().on_webhook(published(room, host, {"TR_mic", true, false}, "EV_4"));
  settle();
  EXPECT_EQ(recordings_of("TR_mic"), 1U);
  EXPECT_EQ(recordings_of("TR_cam"), 0U) << "video tracks are not wanted";
  EXPECT_EQ(recordings_of("TR_data"), 0U);
  EXPECT_EQ(recordings_of("host"), 0U) << "record: tracks only";
}

TEST_F(SubjectsTest, TwoReplicasRecordAParticipantOnce) {
  ClaimTable table;
  FakeClaims claims_a("a", table, answers);
  FakeClaims claims_b("b", table, answers);
  const auto room = livekit.add_room("class-1");
  const auto alice = participant("alice");
  Recorder& a = recorder(&claims_a);
  const recording::Policy policy(top_level, rules);
  Recorder b(Recorder::Parts{policy, delivery, livekit, timers, events, &claims_b, nullptr, 7});
  a.on_webhook(joined(room, alice, "EV_1"));
  b.on_webhook(joined(room, alice, "EV_2"));  // LiveKit's retry reached the other replica
  settle();
  EXPECT_EQ(recordings_of("alice"), 1U);
  EXPECT_EQ(livekit.calls("StartSubject"), 1U);
}

TEST_F(SubjectsTest, AFailedRecordingIsStartedAgainWhileItsParticipantStaysAndNotOnceItLeft) {
  const auto room = livekit.add_room("hearing");
  const auto judge = participant("judge");
  const auto clerk = participant("clerk");
  livekit.participants_in["hearing"] = {judge, clerk};
  recorder().on_webhook(joined(room, judge, "EV_1"));
  recorder().on_webhook(joined(room, clerk, "EV_2"));
  settle();
  auto first_of = [&](const std::string& subject) {
    for (const auto& egress : livekit.egresses()) {
      if (egress.subject == subject) return egress.egress_id;
    }
    return std::string();
  };
  livekit::WebhookEvent ended;
  ended.id = "EV_3";
  ended.event = "egress_ended";
  ended.kind = livekit::EventKind::kEgressEnded;
  ended.egress = livekit.end(first_of("judge"), EgressStatus::kFailed);
  recorder().on_webhook(ended);
  settle();
  EXPECT_EQ(recordings_of("judge"), 1U) << "started again: the judge is still there";
  EXPECT_EQ(recordings_of("clerk"), 1U) << "the clerk's recording is left alone";
  EXPECT_EQ(livekit.calls("StartSubject"), 3U);
  // The clerk left before the failure was heard: nothing to start again.
  livekit.participants_in["hearing"] = {judge};
  ended.id = "EV_4";
  ended.egress = livekit.end(first_of("clerk"), EgressStatus::kFailed);
  recorder().on_webhook(ended);
  settle();
  EXPECT_EQ(recordings_of("clerk"), 0U);
  EXPECT_EQ(livekit.calls("StartSubject"), 3U);
  EXPECT_EQ(livekit.calls("ListParticipants"), 2U);
}

TEST_F(SubjectsTest, ARecordingThatEndedCompleteIsNotStartedAgainForTheSameParticipant) {
  const auto room = livekit.add_room("class-1");
  const auto alice = participant("alice");
  recorder().on_webhook(joined(room, alice, "EV_1"));
  settle();
  // Stopped on purpose (StopEgress) while alice stays: her next participant_joined retry, or a
  // pass, finds it complete and starts nothing.
  for (const auto& egress : livekit.egresses())
    livekit.end(egress.egress_id, EgressStatus::kComplete);
  recorder().on_webhook(joined(room, alice, "EV_2"));
  settle();
  EXPECT_EQ(livekit.calls("StartSubject"), 1U);
}

TEST_F(SubjectsTest, APassRecordsParticipantsWhoseWebhookWasLostAndTheNextAsksNothingMore) {
  livekit.add_room("class-1");
  livekit.participants_in["class-1"] = {
      participant("alice"), participant("viewer", model::ParticipantKind::kStandard, false),
      participant("EG_x", model::ParticipantKind::kEgress)};
  Reconciler reconciler(recorder(), livekit, timers, delivery.reconcile_interval, nullptr);
  reconciler.start();
  settle();
  EXPECT_EQ(recordings_of("alice"), 1U);
  EXPECT_EQ(recordings_of("viewer"), 0U);
  EXPECT_EQ(recordings_of("EG_x"), 0U);
  EXPECT_EQ(livekit.calls("ListParticipants"), 1U);
  const std::size_t checks = livekit.calls("ListEgress");
  testing::settle(answers, timers, delivery.reconcile_interval);
  EXPECT_EQ(livekit.calls("ListParticipants"), 2U) << "a second pass looked";
  EXPECT_EQ(livekit.calls("ListEgress"), checks) << "and found alice in the pass's own list";
  EXPECT_EQ(livekit.calls("StartSubject"), 1U);
  reconciler.stop();
}

TEST_F(SubjectsTest, WithOnlyRoomRecordedAPassListsNoParticipants) {
  top_level.record = {};
  livekit.add_room("class-1");
  livekit.participants_in["class-1"] = {participant("alice")};
  Reconciler reconciler(recorder(), livekit, timers, delivery.reconcile_interval, nullptr);
  reconciler.start();
  settle();
  EXPECT_EQ(livekit.calls("ListParticipants"), 0U);
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
  reconciler.stop();
}

// LiveKit's AutoParticipantEgress records alice too, listed only after ours started: ours is
// stopped (the oldest kept). Bob's older recording is of his session before a rejoin, ending by
// itself: not a duplicate, and his new one stays.
TEST_F(SubjectsTest, AParticipantRecordedTwiceKeepsTheOldestAndARejoinIsNoDuplicate) {
  livekit.use_clock(timers);
  const auto room = livekit.add_room("class-1");
  auto alice = participant("alice");
  alice.joined_ms = timers.wall_ms();
  timers.advance(std::chrono::milliseconds(100));
  auto bob = participant("bob");
  bob.joined_ms = timers.wall_ms();
  livekit.participants_in["class-1"] = {alice, bob};
  // Bob's recording of his earlier session, still running a moment after he rejoined.
  livekit::EgressInfo& old = livekit.add_egress("class-1", EgressStatus::kActive, false);
  old.kind = model::RecordingKind::kParticipant;
  old.subject = "bob";
  old.results.started_at_ns = (bob.joined_ms - 50) * 1'000'000;
  const std::string bobs_old = old.egress_id;
  timers.advance(std::chrono::milliseconds(100));
  recorder().on_webhook(joined(room, alice, "EV_1"));
  recorder().on_webhook(joined(room, bob, "EV_2"));
  settle();
  EXPECT_EQ(livekit.calls("StartSubject"), 2U) << "bob's old recording is not his session's";
  std::string ours;
  for (const auto& egress : livekit.egresses()) {
    if (egress.subject == "alice") ours = egress.egress_id;
  }
  livekit::EgressInfo& theirs = livekit.add_egress("class-1", EgressStatus::kActive, false);
  theirs.kind = model::RecordingKind::kParticipant;
  theirs.subject = "alice";
  theirs.results.started_at_ns = (alice.joined_ms + 1) * 1'000'000;
  livekit::WebhookEvent started;
  started.id = "EV_3";
  started.event = "egress_started";
  started.kind = livekit::EventKind::kEgressStarted;
  started.egress = theirs;
  const std::string auto_egress = theirs.egress_id;
  recorder().on_webhook(started);
  settle();
  EXPECT_EQ(livekit.calls("ListParticipants"), 1U) << "when each joined tells a rejoin apart";
  EXPECT_EQ(livekit.calls("Stop " + ours), 1U);
  EXPECT_EQ(livekit.calls("Stop " + auto_egress), 0U) << "never one we did not start";
  EXPECT_EQ(livekit.calls("Stop " + bobs_old), 0U);
  EXPECT_EQ(events.all<DuplicateStopped>().size(), 1U);
  EXPECT_EQ(recordings_of("bob"), 2U) << "the old one ends by itself";
  const auto recordings = journal.room(room.sid).recordings;
  const auto stopped = std::find_if(recordings.begin(), recordings.end(),
                                    [&](const auto& r) { return r.egress_id == ours; });
  ASSERT_NE(stopped, recordings.end());
  EXPECT_EQ(stopped->duplicate_of, auto_egress);
  // Its end (aborted: stopped while starting) is the one asked for, not a failure to restart.
  livekit::WebhookEvent ended;
  ended.id = "EV_4";
  ended.event = "egress_ended";
  ended.kind = livekit::EventKind::kEgressEnded;
  ended.egress = livekit.egress(ours);
  EXPECT_TRUE(model::is_failure(ended.egress->status));
  recorder().on_webhook(ended);
  settle();
  EXPECT_EQ(livekit.calls("ListRooms"), 0U);
  EXPECT_EQ(livekit.calls("StartSubject"), 2U);
}

// Participants' starts have max_pending_starts of their own: a room of many participants never
// makes room_started answer 503.
TEST_F(SubjectsTest, ParticipantsStartsNeverCrowdOutARoomsStart) {
  top_level.record = {.room = true, .participants = true, .tracks = false};
  delivery.max_pending_starts = 1;
  const auto room = livekit.add_room("class-1");
  EXPECT_EQ(recorder().on_webhook(joined(room, participant("alice"), "EV_1")), Verdict::kAccepted);
  EXPECT_EQ(recorder().on_webhook(joined(room, participant("bob"), "EV_2")), Verdict::kBusy);
  livekit::WebhookEvent started;
  started.id = "EV_3";
  started.event = "room_started";
  started.kind = livekit::EventKind::kRoomStarted;
  started.room = room;
  EXPECT_EQ(recorder().on_webhook(started), Verdict::kAccepted)
      << "alice's start is not the room's";
  EXPECT_EQ(recorder().pending(), 2U);
  settle();
  EXPECT_EQ(recorder().pending(), 0U);
  EXPECT_EQ(recorder().on_webhook(joined(room, participant("bob"), "EV_4")), Verdict::kAccepted);
  settle();
  EXPECT_EQ(recordings_of("bob"), 1U);
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
}

// The ledger keeps the composite and each participant's recording with whom it records, and a
// participant whose start was refused as missing (the session partial) until one starts.
TEST_F(SubjectsTest, TheLedgerKeepsEachKindAndAParticipantRefusedIsMissingUntilOneStarts) {
  top_level.record = {.room = true, .participants = true, .tracks = false};
  const auto room = livekit.add_room("class-1");
  livekit::WebhookEvent started;
  started.id = "EV_0";
  started.event = "room_started";
  started.kind = livekit::EventKind::kRoomStarted;
  started.room = room;
  recorder().on_webhook(started);
  recorder().on_webhook(joined(room, participant("alice"), "EV_1"));
  settle();
  livekit.fail_next("StartSubject", {"invalid_argument"});
  const auto bob = participant("bob");
  recorder().on_webhook(joined(room, bob, "EV_2"));
  settle();
  ledger::Session session = journal.room(room.sid);
  EXPECT_EQ(session.asked, "room_composite,participant");
  ASSERT_EQ(session.recordings.size(), 2U);
  const auto alice =
      std::find_if(session.recordings.begin(), session.recordings.end(),
                   [](const ledger::Recording& r) { return r.participant == "alice"; });
  ASSERT_NE(alice, session.recordings.end());
  EXPECT_EQ(alice->kind, model::RecordingKind::kParticipant);
  ASSERT_EQ(session.missing.size(), 1U);
  EXPECT_EQ(session.missing[0].subject.sid, "PA_bob");
  EXPECT_EQ(session.status, ledger::Status::kPartial);
  // Bob's next track: his recording starts, and he is no longer missing.
  recorder().on_webhook(published(room, bob, {"TR_bob_2", true, false}, "EV_3"));
  settle();
  session = journal.room(room.sid);
  EXPECT_TRUE(session.missing.empty());
  EXPECT_EQ(session.recordings.size(), 3U);
  EXPECT_EQ(session.status, ledger::Status::kRecording);
}

TEST(ParticipantFilter, EgressNeverAndTheRestByIdentityKindAndAttributes) {
  recording::ParticipantFilter filter;
  const recording::ParticipantFilter::Attributes none;
  EXPECT_TRUE(filter.matches("alice", model::ParticipantKind::kStandard, none));
  EXPECT_TRUE(filter.matches("agent-1", model::ParticipantKind::kAgent, none));
  EXPECT_FALSE(filter.matches("EG_x", model::ParticipantKind::kEgress, none));
  filter.kinds = {model::ParticipantKind::kStandard, model::ParticipantKind::kEgress};
  EXPECT_FALSE(filter.matches("EG_x", model::ParticipantKind::kEgress, none))
      << "never, even listed";
  filter.identity = "student-*";
  EXPECT_TRUE(filter.matches("student-7", model::ParticipantKind::kStandard, none));
  EXPECT_FALSE(filter.matches("teacher", model::ParticipantKind::kStandard, none));
  EXPECT_FALSE(filter.matches("student-7", model::ParticipantKind::kSip, none));
  filter.attributes = {{"role", "speaker"}};
  EXPECT_FALSE(filter.matches("student-7", model::ParticipantKind::kStandard, none));
  EXPECT_TRUE(filter.matches("student-7", model::ParticipantKind::kStandard,
                             {{"team", "a"}, {"role", "speaker"}}));
}

}  // namespace
}  // namespace ar::recorder
