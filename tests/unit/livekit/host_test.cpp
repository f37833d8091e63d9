#include "livekit/host.hpp"

#include <gtest/gtest.h>

namespace ar::livekit {
namespace {

TEST(Host, MapsWebSocketSchemesLikeTheSdks) {
  EXPECT_EQ(api_base_url("ws://livekit:7880"), "http://livekit:7880");
  EXPECT_EQ(api_base_url("wss://lk.example.com"), "https://lk.example.com");
  EXPECT_EQ(api_base_url("http://livekit-server.svc.cluster.local:7880"),
            "http://livekit-server.svc.cluster.local:7880");
  EXPECT_EQ(api_base_url("https://lk.example.com/"), "https://lk.example.com");
}

TEST(Host, RefusesOtherSchemesAndEmptyHosts) {
  EXPECT_FALSE(api_base_url("livekit:7880"));
  EXPECT_FALSE(api_base_url("ftp://livekit"));
  EXPECT_FALSE(api_base_url("http://"));
  EXPECT_FALSE(api_base_url("http:///path"));
  EXPECT_FALSE(api_base_url(""));
}

}  // namespace
}  // namespace ar::livekit
