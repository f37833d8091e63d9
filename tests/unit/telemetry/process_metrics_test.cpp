// The process_* metrics come from /proc/self/stat, whose second field (the command name) may
// hold spaces and parentheses.
#include "telemetry/process_metrics.hpp"

#include <gtest/gtest.h>

#include "livekit/webhook.hpp"

namespace ar::metrics {
namespace {

TEST(ProcStat, ReadsCpuStartAndMemoryCountingFromTheLastParenthesis) {
  // utime 250 and stime 50 ticks, starttime 12000 ticks, vsize 1 GiB, rss 2000 pages.
  const std::string line =
      "4242 (auto rec) (x)) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 3 0 12000 "
      "1073741824 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
  const auto stat = parse_proc_stat(line, 100, 4096);
  ASSERT_TRUE(stat);
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(stat->start_seconds, 120.0);
  EXPECT_EQ(stat->virtual_bytes, 1073741824U);
  EXPECT_EQ(stat->resident_bytes, 2000U * 4096U);
}

TEST(ProcStat, RefusesWhatItCannotRead) {
  EXPECT_FALSE(parse_proc_stat("", 100, 4096));
  EXPECT_FALSE(parse_proc_stat("4242 (short) S 1 2 3", 100, 4096));
  EXPECT_FALSE(
      parse_proc_stat("4242 (x) S 1 4242 4242 0 -1 4194560 900 0 0 0 ab 50 0 0 20 0 3 0 "
                      "12000 1 2",
                      100, 4096));
  EXPECT_FALSE(parse_proc_stat("4242 (x) S", 0, 4096)) << "no clock ticks";
}

TEST(RoomCreated, MillisecondsWinAndImplausibleTimesAreUnknown) {
  EXPECT_EQ(livekit::room_created_ms(1692627281250, 1692627281), 1692627281250);
  EXPECT_EQ(livekit::room_created_ms(0, 1692627281), 1692627281000);
  EXPECT_EQ(livekit::room_created_ms(0, 0), 0);
  EXPECT_EQ(livekit::room_created_ms(-5, -5), 0);
  EXPECT_EQ(livekit::room_created_ms(0, 9223372036854775807), 0) << "no overflow";
}

}  // namespace
}  // namespace ar::metrics
