#include "util/duration.hpp"

#include <gtest/gtest.h>

namespace ar::util {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesGoStyleDurations) {
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("10s"), milliseconds(10000));
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
  EXPECT_EQ(parse_duration("9600h"), milliseconds(9600LL * 3600000));  // 400 days
  EXPECT_EQ(parse_duration("400d"), parse_duration("9600h"));
  EXPECT_EQ(parse_duration("1d12h"), milliseconds(36LL * 3600000));
  EXPECT_FALSE(parse_duration("90000h"));  // over ten years
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("2500us"), milliseconds(2));
}

TEST(Duration, RefusesWhatIsNotADuration) {
  for (const char* text :
       {"", "10", "s", "-1s", "1.2.3s", "10 s", "1w", "5sec", ".s", "1e3s", "99999999h"}) {
    EXPECT_FALSE(parse_duration(text)) << text;
  }
}

TEST(Duration, FormatsForPeople) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(10000)), "10s");
  EXPECT_EQ(format_duration(milliseconds(90500)), "1m30s500ms");
  EXPECT_EQ(format_duration(milliseconds(3600000)), "1h");
  EXPECT_EQ(parse_duration(format_duration(milliseconds(5432100))), milliseconds(5432100));
}

}  // namespace
}  // namespace ar::util
