// What the ledger keeps when its webhooks were lost, on both databases: ends it infers and
// replaces with LiveKit's word, entries applied twice counted once, windows that hold late
// changes, and the open sessions the reconciler compares with LiveKit.
#include <gtest/gtest.h>

#include <algorithm>

#include "ledger/store_fixture.hpp"
#include "report/rooms.hpp"
#include "util/wall_clock.hpp"

namespace ar::ledger {
namespace {

using testing::apply;
using testing::Backend;
using testing::recording;

class LedgerTruthTest : public testing::StoreTest {};

INSTANTIATE_TEST_SUITE_P(Sqlite, LedgerTruthTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, LedgerTruthTest, ::testing::Values(Backend::kPostgres));

std::vector<Entry> recorded_session(const std::string& sid, std::int64_t at) {
  Recording done = recording("EG_" + sid, model::EgressStatus::kComplete, at + 100, at + 900);
  done.files.push_back({"a.mp4", "s3://b/a.mp4", 7, 0.8});
  return {RoomSeen{sid, "room-" + sid, at, "webhook", ""}, Decided{sid, true, "top level"},
          RecordingStarted{sid, "EG_" + sid, at + 100, false},
          EgressReported{sid, "room-" + sid, done},
          RoomFinished{sid, at + 1000, "room-" + sid, 0, ""}};
}

TEST_P(LedgerTruthTest, AnInferredEndIsMarkedAndLiveKitsOwnWordReplacesIt) {
  const auto store = open();
  EXPECT_TRUE(apply(*store, {RoomSeen{"RM_1", "a", 1000, "webhook", ""},
                             Decided{"RM_1", false, "rules[0]"}})
                  .empty());
  EXPECT_EQ(apply(*store, {RoomFinished{"RM_1", 5000, "a", 0, "reconciler"}}),
            std::vector<Status>{Status::kSkipped});
  EXPECT_EQ(store->room("RM_1")->closed_by, "reconciler");
  EXPECT_EQ(store->room("RM_1")->finished_ms, 5000);
  // Another estimate changes nothing; the webhook that comes late after all does.
  apply(*store, {RoomFinished{"RM_1", 7000, "a", 0, "reconciler"}});
  EXPECT_EQ(store->room("RM_1")->finished_ms, 5000);
  EXPECT_TRUE(apply(*store, {RoomFinished{"RM_1", 4200, "a", 0, ""}}).empty()) << "ended once";
  EXPECT_EQ(store->room("RM_1")->finished_ms, 4200);
  EXPECT_EQ(store->room("RM_1")->closed_by, "");
  apply(*store, {RoomFinished{"RM_1", 9000, "a", 0, "reconciler"}});
  EXPECT_EQ(store->room("RM_1")->finished_ms, 4200);
}

TEST_P(LedgerTruthTest, ARecordingLiveKitForgotIsClosedAsUnknownUntilItsEndIsReported) {
  const auto store = open();
  apply(*store,
        {RoomSeen{"RM_1", "a", 1000, "webhook", ""}, Decided{"RM_1", true, "top level"},
         RecordingStarted{"RM_1", "EG_1", 1100, false},
         EgressReported{"RM_1", "a", recording("EG_1", model::EgressStatus::kActive, 1100)}});
  EXPECT_TRUE(apply(*store, {RoomFinished{"RM_1", 9000, "a", 0, "reconciler"}}).empty())
      << "an active recording keeps the session open";
  EXPECT_EQ(apply(*store, {RecordingClosed{"RM_1", "EG_1", 9000}}),
            std::vector<Status>{Status::kPartial});
  Session room = *store->room("RM_1");
  EXPECT_EQ(room.recordings.at(0).closed_by, "reconciler");
  EXPECT_EQ(room.recordings.at(0).status, model::EgressStatus::kActive)
      << "the last status LiveKit reported";
  EXPECT_EQ(room.recordings.at(0).ended_ms, 9000);
  EXPECT_TRUE(store->unsettled().sessions.empty());
  // Its egress_ended arrives after all: LiveKit's word replaces the inference.
  Recording done = recording("EG_1", model::EgressStatus::kComplete, 1100, 8800);
  done.files.push_back({"a.mp4", "s3://b/a.mp4", 7, 7.7});
  EXPECT_TRUE(apply(*store, {EgressReported{"RM_1", "a", done}}).empty());
  room = *store->room("RM_1");
  EXPECT_EQ(room.recordings.at(0).closed_by, "");
  EXPECT_EQ(room.recordings.at(0).ended_ms, 8800);
  EXPECT_EQ(room.status, Status::kRecorded);
  // A recording that ended is never closed as unknown.
  apply(*store, {RecordingClosed{"RM_1", "EG_1", 9900}});
  EXPECT_EQ(store->room("RM_1")->recordings.at(0).closed_by, "");
}

TEST_P(LedgerTruthTest, EveryEntryAppliedTwiceChangesNothing) {
  std::vector<Entry> entries = recorded_session("RM_1", 1000);
  entries.insert(entries.begin() + 2, StartRetried{"RM_1", "unavailable: busy", "p:1:1"});
  entries.insert(entries.begin() + 3, StartRetried{"RM_1", "unavailable: busy", "p:1:2"});
  entries.push_back(RecordingStarted{"RM_1", "EG_2", 1500, true});
  entries.push_back(
      EgressReported{"RM_1", "room-RM_1", recording("EG_2", model::EgressStatus::kFailed)});
  entries.push_back(StoppedOnPurpose{"RM_1", "EG_3"});
  entries.push_back(RecordingClosed{"RM_1", "EG_4", 2000});
  const auto store = open();
  apply(*store, entries);
  const std::string once = report::room_json(*store->room("RM_1"));
  apply(*store, entries);  // a spill replayed, a batch retried after its commit's answer was lost
  for (const Entry& entry : entries) apply(*store, {entry});
  EXPECT_EQ(report::room_json(*store->room("RM_1")), once);
  EXPECT_EQ(store->room("RM_1")->retries, 2);
  EXPECT_EQ(store->room("RM_1")->restarts, 1);
}

TEST_P(LedgerTruthTest, TheStartErrorIsEmptyOnceARecordingExists) {
  const auto store = open();
  apply(*store, {RoomSeen{"RM_1", "a", 1000, "webhook", ""},
                 StartRetried{"RM_1", "unavailable: no response from servers", "p:1:1"}});
  EXPECT_EQ(store->room("RM_1")->start_error, "unavailable: no response from servers");
  // Known from egress_started alone (the start's answer was lost), then a restart's retry.
  apply(*store, {EgressReported{"RM_1", "a", recording("EG_1", model::EgressStatus::kActive, 1200)},
                 StartRetried{"RM_1", "unavailable: busy", "p:2:1"}});
  const Session room = *store->room("RM_1");
  EXPECT_EQ(room.start_error, "");
  EXPECT_EQ(room.first_recording_ms, 1200);
  EXPECT_EQ(room.retries, 2);
}

TEST_P(LedgerTruthTest, AWindowHoldsSessionsThatStartedEndedOrChangedInIt) {
  const auto store = open();
  constexpr std::int64_t kHour = 3'600'000;
  // Started before the window; its recording failed in it.
  apply(*store,
        {RoomSeen{"RM_late_failure", "a", 1 * kHour, "webhook", ""},
         RecordingStarted{"RM_late_failure", "EG_1", 1 * kHour, false},
         EgressReported{"RM_late_failure", "a",
                        recording("EG_1", model::EgressStatus::kFailed, 1 * kHour, 26 * kHour)}});
  // Started before it, finished in it.
  apply(*store, {RoomSeen{"RM_finished", "b", 2 * kHour, "webhook", ""},
                 RoomFinished{"RM_finished", 25 * kHour, "b", 0, ""}});
  // Started in it.
  apply(*store, {RoomSeen{"RM_started", "c", 30 * kHour, "webhook", ""}});
  // Nothing in it: before, and after.
  apply(*store, recorded_session("RM_before", 3 * kHour));
  apply(*store, recorded_session("RM_after", 60 * kHour));
  Query window;
  window.since_ms = 24 * kHour;
  window.until_ms = 48 * kHour;
  std::vector<std::string> sids;
  for (const Session& room : store->rooms(window).rooms) sids.push_back(room.sid);
  std::sort(sids.begin(), sids.end());
  EXPECT_EQ(sids, (std::vector<std::string>{"RM_finished", "RM_late_failure", "RM_started"}));
  // What the ledger learns late lands in the window of when it learned it: the status of a
  // session that started a day ago changes now.
  apply(*store, {RoomSeen{"RM_quiet", "d", 1 * kHour, "webhook", ""},
                 StartFailed{"RM_quiet", "invalid_argument: no bucket"}});
  Query now;
  now.since_ms = util::unix_ms_now() - 60'000;
  const auto in_now = [&](const std::string& sid) {
    const auto rooms = store->rooms(now).rooms;
    return std::any_of(rooms.begin(), rooms.end(), [&](const Session& r) { return r.sid == sid; });
  };
  EXPECT_FALSE(in_now("RM_quiet")) << "unrecorded since it was heard of";
  apply(*store, {Decided{"RM_quiet", false, "rules[0]"}});
  EXPECT_TRUE(in_now("RM_quiet"));
}

TEST_P(LedgerTruthTest, TheOpenSessionsAreThoseNotEndedWithAllTheirRecordings) {
  const auto store = open();
  apply(*store, recorded_session("RM_done", 1000));
  apply(*store, {RoomSeen{"RM_live", "live", 2000, "webhook", ""},
                 RecordingStarted{"RM_live", "EG_a", 2100, false},
                 EgressReported{"RM_live", "live",
                                recording("EG_b", model::EgressStatus::kFailed, 2050, 2090)},
                 RoomSeen{"RM_closing", "closing", 3000, "webhook", ""},
                 RecordingStarted{"RM_closing", "EG_c", 3100, false},
                 RoomFinished{"RM_closing", 3900, "closing", 0, ""}});
  const Unsettled open = store->unsettled();
  std::vector<std::string> sessions;
  for (const auto& s : open.sessions)
    sessions.push_back(s.sid + "@" + std::to_string(s.finished_ms));
  std::sort(sessions.begin(), sessions.end());
  EXPECT_EQ(sessions, (std::vector<std::string>{"RM_closing@3900", "RM_live@0"}));
  std::vector<std::string> recordings;
  for (const auto& r : open.recordings)
    recordings.push_back(r.egress_id + " " + std::string(model::to_string(r.status)));
  std::sort(recordings.begin(), recordings.end());
  EXPECT_EQ(recordings, (std::vector<std::string>{"EG_a EGRESS_STARTING", "EG_b EGRESS_FAILED",
                                                  "EG_c EGRESS_STARTING"}));
}

}  // namespace
}  // namespace ar::ledger
