#include "util/authority.hpp"

#include <gtest/gtest.h>

namespace ar::util {
namespace {

TEST(Authority, ReadsNamesAddressesAndPorts) {
  EXPECT_EQ(parse_authority("redis")->host, "redis");
  EXPECT_FALSE(parse_authority("redis")->port);
  EXPECT_EQ(parse_authority("redis.ns.svc:6380")->port, 6380);
  EXPECT_EQ(parse_authority("10.0.0.7:26379")->host, "10.0.0.7");
  EXPECT_EQ(parse_authority("[::1]:7000")->host, "::1");
  EXPECT_EQ(parse_authority("[fd00::5]")->host, "fd00::5");
  EXPECT_EQ(parse_authority("[::1]:7000")->port, 7000);
}

TEST(Authority, RefusesWhatIsNotHostAndPort) {
  for (const char* text : {"", ":6379", "redis:", "redis:0", "redis:65536", "redis:99999",
                           "redis:+1", "redis:6379/0", "redis://redis:6379", "user:pw@redis:6379",
                           "[::1", "[]:80", "::1:80", "re dis", "[v1.x]:80"}) {
    EXPECT_FALSE(parse_authority(text)) << text;
  }
}

}  // namespace
}  // namespace ar::util
