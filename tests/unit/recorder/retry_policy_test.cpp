#include "recorder/retry_policy.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ar::recorder {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, FirstRetryWaitsExactlyTheInitialDelay) {
  Backoff backoff(milliseconds(1000), milliseconds(30000), 42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(backoff.delay(0), milliseconds(1000));
}

TEST(Backoff, LaterRetriesStayWithinTheDoublingCeilingAndTheCap) {
  Backoff backoff(milliseconds(1000), milliseconds(30000), 7);
  for (unsigned retry = 1; retry < 40; ++retry) {
    const auto ceiling = std::min<std::int64_t>(30000, 1000LL << std::min(retry, 20U));
    for (int i = 0; i < 200; ++i) {
      const auto delay = backoff.delay(retry).count();
      EXPECT_GE(delay, 1000) << retry;
      EXPECT_LE(delay, ceiling) << retry;
    }
  }
}

TEST(Backoff, IsJitteredSoRoomsDoNotRetryTogether) {
  Backoff backoff(milliseconds(1000), milliseconds(30000), 1);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 50; ++i) seen.insert(backoff.delay(4).count());
  EXPECT_GT(seen.size(), 20U);
}

TEST(Backoff, HugeRetryCountsDoNotOverflow) {
  Backoff backoff(milliseconds(1000) * 3600 * 24 * 300, milliseconds(1000) * 3600 * 24 * 365, 3);
  EXPECT_LE(backoff.delay(1000).count(), 1000LL * 3600 * 24 * 365);
  EXPECT_GE(backoff.delay(1000).count(), 1000LL * 3600 * 24 * 300);
}

}  // namespace
}  // namespace ar::recorder
