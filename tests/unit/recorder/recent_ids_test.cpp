#include "recorder/recent_ids.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>

namespace ar::recorder {
namespace {

TEST(RecentIds, RemembersEachIdOnceAndForgetsTheOldestFirst) {
  RecentIds ids(3);
  EXPECT_TRUE(ids.insert(10));
  EXPECT_FALSE(ids.insert(10));
  EXPECT_TRUE(ids.insert(0));  // 0 and 1 are ids like any other
  EXPECT_TRUE(ids.insert(1));
  EXPECT_TRUE(ids.contains(0));
  EXPECT_TRUE(ids.insert(40));  // 10 goes
  EXPECT_FALSE(ids.contains(10));
  EXPECT_TRUE(ids.contains(0));
  EXPECT_TRUE(ids.contains(1));
  EXPECT_TRUE(ids.contains(40));
  EXPECT_EQ(ids.size(), 3U);
}

TEST(RecentIds, GrowsToItsCapacityAndKeepsTheNewest) {
  RecentIds ids(50000);
  // Ids that differ only in their high bits land on few home slots without good hashing.
  for (std::uint64_t i = 1; i <= 120000; ++i) ASSERT_TRUE(ids.insert(i << 32));
  EXPECT_EQ(ids.size(), 50000U);
  EXPECT_FALSE(ids.contains(std::uint64_t{70000} << 32));
  for (std::uint64_t i = 70001; i <= 120000; ++i) ASSERT_TRUE(ids.contains(i << 32)) << i;
}

TEST(RecentIds, AgreesWithASimpleModelUnderChurn) {
  // Few distinct ids and a small capacity: repeats, evictions and probe chains that wrap.
  RecentIds ids(100);
  std::deque<std::uint64_t> order;
  std::set<std::uint64_t> model;
  std::mt19937_64 random(7);
  for (int step = 0; step < 200000; ++step) {
    const std::uint64_t id = random() % 300;
    const bool fresh = model.count(id) == 0;
    ASSERT_EQ(ids.insert(id), fresh) << "step " << step;
    if (fresh) {
      if (order.size() == 100) {
        model.erase(order.front());
        order.pop_front();
      }
      order.push_back(id);
      model.insert(id);
    }
    if (step % 1000 == 0) {
      for (std::uint64_t probe = 0; probe < 300; ++probe) {
        ASSERT_EQ(ids.contains(probe), model.count(probe) == 1) << probe;
      }
    }
  }
  EXPECT_EQ(ids.size(), model.size());
}

}  // namespace
}  // namespace ar::recorder
