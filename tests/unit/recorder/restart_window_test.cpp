#include "recorder/restart_window.hpp"

#include <gtest/gtest.h>

#include "recorder/memories.hpp"

namespace ar::recorder {
namespace {

using std::chrono::minutes;
using TimePoint = RestartWindow::TimePoint;

const TimePoint t0{};

TEST(RestartWindow, AStartAfterAFailureIsARestartForAnHour) {
  RestartWindow window(3);
  EXPECT_FALSE(window.after_failure("room", t0));
  window.failed("room", "RM_1", t0);
  EXPECT_TRUE(window.after_failure("room", t0 + minutes(59)));
  EXPECT_FALSE(window.after_failure("other", t0));
  EXPECT_FALSE(window.after_failure("room", t0 + minutes(60))) << "forgotten after an hour";
}

TEST(RestartWindow, CountsRestartsUpToTheLimitAndSaysTheLimitOnce) {
  RestartWindow window(2);
  window.failed("room", "RM_1", t0);
  EXPECT_FALSE(window.limit_reached("room", t0));
  EXPECT_FALSE(window.count("room", "RM_1", t0));
  EXPECT_FALSE(window.count("room", "RM_1", t0 + minutes(1)));
  const auto limit = window.count("room", "RM_1", t0 + minutes(2));
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->restarts, 2U);
  EXPECT_FALSE(limit->told_before);
  const auto again = window.limit_reached("room", t0 + minutes(3));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->told_before) << "said once, counted every time";
  // An hour after the first restart, one is free again.
  EXPECT_FALSE(window.limit_reached("room", t0 + minutes(60)));
}

TEST(RestartWindow, AFailureOnlyTheCheckListedEntersWithItsRestart) {
  RestartWindow window(1);
  // No failure heard (its webhook was lost): the count adds it, so the next start is a restart.
  EXPECT_FALSE(window.count("room", "RM_1", t0));
  EXPECT_TRUE(window.after_failure("room", t0));
  EXPECT_TRUE(window.limit_reached("room", t0));
}

TEST(RestartWindow, AFinishedSessionIsForgottenByNameOrBySid) {
  RestartWindow window(3);
  window.failed("a", "RM_A", t0);
  window.failed("b", "RM_B", t0);
  window.forget("a", "RM_A");
  window.forget("", "RM_B");  // room_finished without a name
  EXPECT_FALSE(window.after_failure("a", t0));
  EXPECT_FALSE(window.after_failure("b", t0));
}

TEST(Memories, EachKindRemembersOnItsOwn) {
  Memories memories(std::chrono::hours(24), 100);
  EXPECT_TRUE(memories.remember(Seen::kSessionStarted, "RM_1", t0));
  EXPECT_FALSE(memories.remember(Seen::kSessionStarted, "RM_1", t0));
  EXPECT_FALSE(memories.knows(Seen::kSessionFinished, "RM_1", t0)) << "another kind";
  EXPECT_TRUE(memories.remember(Seen::kSessionFinished, "RM_1", t0));
  EXPECT_TRUE(memories.knows(Seen::kSessionStarted, "RM_1", t0));
  EXPECT_FALSE(memories.knows(Seen::kSessionStarted, "RM_1", t0 + std::chrono::hours(24)));
}

TEST(Stops, RemembersTheEgressStoppedInASessionAndWhen) {
  Stops stops(2);
  stops.stopped("RM_1", "EG_1", t0 + minutes(1));
  stops.stopped("", "EG_x", t0);  // no session: nothing to remember
  ASSERT_NE(stops.of("RM_1"), nullptr);
  EXPECT_EQ(stops.of("RM_1")->egress_id, "EG_1");
  EXPECT_EQ(stops.of("RM_1")->noted, t0 + minutes(1));
  EXPECT_EQ(stops.of(""), nullptr);
  stops.stopped("RM_2", "EG_2", t0);
  stops.stopped("RM_3", "EG_3", t0);
  const int kept = (stops.of("RM_1") != nullptr ? 1 : 0) + (stops.of("RM_2") != nullptr ? 1 : 0) +
                   (stops.of("RM_3") != nullptr ? 1 : 0);
  EXPECT_EQ(kept, 2) << "bounded";
}

}  // namespace
}  // namespace ar::recorder
