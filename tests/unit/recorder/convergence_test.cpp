// The comparison of the ledger's open sessions with what LiveKit lists, on its own: what a pass
// concludes from each difference (recorder/convergence.hpp).
#include "recorder/convergence.hpp"

#include <gtest/gtest.h>

namespace ar::recorder {
namespace {

using model::EgressStatus;

constexpr std::int64_t kMs = 1'000'000;  // ns
constexpr std::int64_t kRead = 60'000;   // when the ledger was read

livekit::EgressInfo egress(std::string id, std::string sid, EgressStatus status,
                           std::int64_t started_ms = 0, std::int64_t ended_ms = 0) {
  livekit::EgressInfo e;
  e.egress_id = std::move(id);
  e.room_id = std::move(sid);
  e.room_name = "room";
  e.status = status;
  e.kind = model::RecordingKind::kRoomComposite;
  e.results.started_at_ns = started_ms * kMs;
  e.results.ended_at_ns = ended_ms * kMs;
  return e;
}

livekit::Room room(std::string sid) {
  return {std::move(sid), "room", "", 0};
}

ledger::Unsettled open(std::vector<ledger::UnsettledSession> sessions,
                       std::vector<ledger::UnsettledRecording> recordings = {}) {
  return {std::move(sessions), std::move(recordings)};
}

TEST(Convergence, ARecordingAsTheLedgerHasItChangesNothing) {
  Convergence c(
      open({{"RM_1", 1000, 0}}, {{"EG_1", "RM_1", model::EgressStatus::kActive, 1100, 0}}), {},
      kRead);
  c.egress(egress("EG_1", "RM_1", EgressStatus::kActive, 1100));
  c.room(room("RM_1"));
  const auto out = c.conclude(5000);
  EXPECT_TRUE(out.entries.empty());
  EXPECT_TRUE(out.gone.empty());
  EXPECT_TRUE(out.ends.empty());
}

TEST(Convergence, AnEndLiveKitListsRefreshesTheRecordingWithItsFactsAndIsActedOn) {
  Convergence c(
      open({{"RM_1", 1000, 0}}, {{"EG_1", "RM_1", model::EgressStatus::kActive, 1100, 0}}), {},
      kRead);
  auto failed = egress("EG_1", "RM_1", EgressStatus::kFailed, 1100, 4000);
  failed.error = "pipeline crashed";
  failed.results.files.push_back({"a.mp4", "", 0, 0});
  c.egress(failed);
  c.room(room("RM_1"));
  const auto out = c.conclude(5000);
  ASSERT_EQ(out.entries.size(), 1U);
  const auto& reported = std::get<ledger::EgressReported>(out.entries[0]);
  EXPECT_EQ(reported.sid, "RM_1");
  EXPECT_EQ(reported.recording().status, model::EgressStatus::kFailed);
  EXPECT_EQ(reported.recording().ended_ms, 4000);
  EXPECT_EQ(reported.recording().error, "pipeline crashed");
  EXPECT_EQ(reported.recording().files.size(), 1U);
  ASSERT_EQ(out.ends.size(), 1U) << "a failure while the room lives is restarted";
  EXPECT_EQ(out.ends[0].egress.egress_id, "EG_1");
  ASSERT_TRUE(out.ends[0].room.has_value()) << "the room this pass listed, for the restart";
  EXPECT_EQ(out.ends[0].room->sid, "RM_1");
  EXPECT_EQ(out.refreshed, 1U);
  // Listed the same again (the ledger now has it): nothing more.
  Convergence again(
      open({{"RM_1", 1000, 0}}, {{"EG_1", "RM_1", model::EgressStatus::kFailed, 1100, 4000}}), {},
      kRead);
  again.egress(failed);
  again.room(room("RM_1"));
  EXPECT_TRUE(again.conclude(6000).entries.empty());
}

TEST(Convergence, AnEgressOfAnOpenSessionTheLedgerNeverHeardOfIsAdded) {
  Convergence c(open({{"RM_1", 1000, 0}}), {}, kRead);
  c.egress(egress("EG_lost_answer", "RM_1", EgressStatus::kActive, 1200));
  auto track = egress("EG_track", "RM_1", EgressStatus::kActive);
  track.kind = model::RecordingKind::kTrack;  // not a recording of the room
  c.egress(track);
  c.egress(egress("EG_other_session", "RM_0", EgressStatus::kComplete, 10, 900));
  // Starts that may have been under way as the ledger was read: their entries are on the way.
  c.egress(egress("EG_just_started", "RM_1", EgressStatus::kActive, kRead - 5000));
  c.egress(egress("EG_starting", "RM_1", EgressStatus::kStarting));
  c.room(room("RM_1"));
  const auto out = c.conclude(5000);
  ASSERT_EQ(out.entries.size(), 1U);
  EXPECT_EQ(std::get<ledger::EgressReported>(out.entries[0]).recording().egress_id,
            "EG_lost_answer");
  EXPECT_TRUE(out.ends.empty());
}

TEST(Convergence, AnEndWhoseRoomIsNotListedComesWithoutARoom) {
  Convergence c(open({{"RM_1", 1000, 0}, {"RM_2", 1000, 0}},
                     {{"EG_1", "RM_1", model::EgressStatus::kActive, 1100, 0}}),
                {}, kRead);
  c.egress(egress("EG_1", "RM_1", EgressStatus::kFailed, 1100, 4000));
  c.egress(egress("EG_2", "RM_2", EgressStatus::kAborted, 1100, 4000));  // never heard of
  c.room(room("RM_2"));
  const auto out = c.conclude(5000);
  ASSERT_EQ(out.ends.size(), 2U);
  EXPECT_FALSE(out.ends[0].room.has_value()) << "gone: the failure is not restarted";
  ASSERT_TRUE(out.ends[1].room.has_value());
  EXPECT_EQ(out.ends[1].room->sid, "RM_2");
}

TEST(Convergence, ASessionNoLongerListedEndsWhenItsRecordingEndedOrWhenLastSeen) {
  // Its recording ended with it: that is its end.
  Convergence recorded(
      open({{"RM_1", 1000, 0}}, {{"EG_1", "RM_1", model::EgressStatus::kActive, 1100, 0}}), {},
      kRead);
  recorded.egress(egress("EG_1", "RM_1", EgressStatus::kComplete, 1100, 9000));
  auto out = recorded.conclude(20000);
  ASSERT_EQ(out.gone.size(), 1U);
  EXPECT_EQ(out.gone[0].room.sid, "RM_1");
  EXPECT_EQ(out.gone[0].finished_ms, 9000);
  // No recording: the last pass that listed it alive.
  Convergence::Alive before;
  before.sids.push_back(std::hash<std::string_view>{}("RM_2"));
  before.at_ms = 15000;
  Convergence skipped(open({{"RM_2", 1000, 0}, {"RM_3", 2000, 0}}), before, kRead);
  out = skipped.conclude(20000);
  ASSERT_EQ(out.gone.size(), 2U);
  for (const auto& gone : out.gone) {
    // RM_3 was not listed by that pass: only its start is known.
    EXPECT_EQ(gone.finished_ms, gone.room.sid == "RM_2" ? 15000 : 2000) << gone.room.sid;
  }
  // Nothing known at all: the time of the pass.
  Convergence unknown(open({{"RM_4", 0, 0}}), {}, kRead);
  EXPECT_EQ(unknown.conclude(20000).gone.at(0).finished_ms, 20000);
  // A session whose room_finished came is not closed again.
  Convergence finished(open({{"RM_5", 1000, 8000}}), {}, kRead);
  EXPECT_TRUE(finished.conclude(20000).gone.empty());
  // The alive sessions of a pass, for the next one.
  Convergence listed(open({{"RM_6", 1000, 0}, {"RM_7", 1000, 0}}), {}, kRead);
  listed.room(room("RM_6"));
  const auto alive = listed.alive(30000);
  EXPECT_EQ(alive.at_ms, 30000);
  EXPECT_EQ(alive.sids, std::vector<std::uint64_t>{std::hash<std::string_view>{}("RM_6")});
}

TEST(Convergence, ARecordingLiveKitForgotIsClosedOnlyOnceItsRoomIsGone) {
  const auto unsettled = [] {
    return open({{"RM_1", 1000, 0}, {"RM_2", 1000, 0}},
                {{"EG_1", "RM_1", model::EgressStatus::kActive, 1100, 0},
                 {"EG_2", "RM_2", model::EgressStatus::kActive, 1100, 0},
                 {"EG_3", "RM_1", model::EgressStatus::kFailed, 1000, 1050}});
  };
  Convergence c(unsettled(), {}, kRead);
  c.room(room("RM_2"));  // neither egress is listed; only RM_2's room lives
  const auto out = c.conclude(20000);
  ASSERT_EQ(out.closed, 1U);
  const auto& closed = std::get<ledger::RecordingClosed>(out.entries.at(0));
  EXPECT_EQ(closed.egress_id, "EG_1");
  EXPECT_EQ(closed.at_ms, 1100) << "the last thing known of it";
  ASSERT_EQ(out.gone.size(), 1U);
  EXPECT_EQ(out.gone[0].room.sid, "RM_1");
}

}  // namespace
}  // namespace ar::recorder
