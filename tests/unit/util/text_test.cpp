#include "util/text.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace ar::util {
namespace {

TEST(Text, JoinPutsTheSeparatorBetweenItemsOnly) {
  EXPECT_EQ(join(std::vector<std::string>{}, ", "), "");
  EXPECT_EQ(join(std::vector<std::string>{"a"}, ", "), "a");
  EXPECT_EQ(join(std::vector<std::string>{"a", "", "c"}, "; "), "a; ; c");
  const std::map<std::string, int> storages{{"acme", 1}, {"backup", 2}};
  EXPECT_EQ(join(storages, ", ", [](const auto& entry) { return entry.first; }), "acme, backup");
}

TEST(Text, LowerTrimAndEditDistance) {
  EXPECT_EQ(lower("S3_Bucket"), "s3_bucket");
  EXPECT_EQ(trim(" \t value\r\n"), "value");
  EXPECT_EQ(edit_distance("LIVEKIT_API_KEY", "LIVEKIT_APIKEY"), 1U);
  EXPECT_EQ(edit_distance("", "abc"), 3U);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
}

}  // namespace
}  // namespace ar::util
