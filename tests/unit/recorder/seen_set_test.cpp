#include "recorder/seen_set.hpp"

#include <gtest/gtest.h>

namespace ar::recorder {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using Clock = SeenSet::Clock;

TEST(SeenSet, ASecondInsertOfTheSameKeyReportsADuplicate) {
  SeenSet seen(hours(24), 100);
  const auto now = Clock::now();
  EXPECT_TRUE(seen.insert("EV_1", now));
  EXPECT_FALSE(seen.insert("EV_1", now));
  EXPECT_TRUE(seen.contains("EV_1", now));
  EXPECT_FALSE(seen.contains("EV_2", now));
}

TEST(SeenSet, KeysAreForgottenAfterTheTtl) {
  SeenSet seen(hours(24), 100);
  const auto t0 = Clock::now();
  seen.insert("RM_a", t0);
  EXPECT_TRUE(seen.contains("RM_a", t0 + hours(24) - milliseconds(1)));
  EXPECT_FALSE(seen.contains("RM_a", t0 + hours(24)));
  EXPECT_TRUE(seen.insert("RM_a", t0 + hours(25)));
  EXPECT_EQ(seen.size(), 1U);
}

TEST(SeenSet, MemoryIsBoundedByCapacityOldestFirst) {
  SeenSet seen(hours(24), 1000);
  const auto now = Clock::now();
  for (int i = 0; i < 5000; ++i) seen.insert("EV_" + std::to_string(i), now + milliseconds(i));
  EXPECT_EQ(seen.size(), 1000U);
  const auto later = now + milliseconds(5000);
  EXPECT_FALSE(seen.contains("EV_0", later));
  EXPECT_FALSE(seen.contains("EV_3999", later));
  EXPECT_TRUE(seen.contains("EV_4000", later));
  EXPECT_TRUE(seen.contains("EV_4999", later));
}

TEST(SeenSet, ExpiryKeepsWorkingAfterEvictions) {
  SeenSet seen(milliseconds(100), 3);
  const auto t0 = Clock::now();
  for (int i = 0; i < 10; ++i) seen.insert(std::to_string(i), t0);
  EXPECT_EQ(seen.size(), 3U);
  EXPECT_TRUE(seen.insert("late", t0 + milliseconds(150)));
  EXPECT_EQ(seen.size(), 1U);
  EXPECT_TRUE(seen.contains("late", t0 + milliseconds(150)));
}

}  // namespace
}  // namespace ar::recorder
