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
  EXPECT_FALSE(api_base_url("http://livekit:port"));
  EXPECT_FALSE(api_base_url("http://livekit:70000"));
  EXPECT_FALSE(api_base_url("https://user:pass@livekit"));
}

TEST(Host, SplitsTheBaseUrlForTheClient) {
  const auto plain = parse_base_url("http://livekit-server.svc:7880");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "livekit-server.svc");
  EXPECT_EQ(plain->port, 7880);
  EXPECT_EQ(plain->authority, "livekit-server.svc:7880");
  EXPECT_EQ(plain->path, "");

  const auto tls = parse_base_url("https://lk.example.com/behind/a/prefix/");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->authority, "lk.example.com");
  EXPECT_EQ(tls->path, "/behind/a/prefix");

  const auto v6 = parse_base_url("http://[::1]:7880");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7880);
  EXPECT_EQ(v6->authority, "[::1]:7880");
  EXPECT_EQ(parse_base_url("http://[fd00::5]")->port, 80);
}

TEST(Host, RefusesWhatIsNotHostPortPath) {
  // A CR or LF in the path would reach every request line and start a header of its own.
  EXPECT_FALSE(parse_base_url("http://livekit:7880/lk\r\nX-Injected: 1"));
  EXPECT_FALSE(parse_base_url("http://livekit:7880/a b"));
  EXPECT_FALSE(api_base_url("https://livekit/\nx"));
  EXPECT_FALSE(parse_base_url("ws://livekit"));
  EXPECT_FALSE(parse_base_url("http://[::1"));
  EXPECT_FALSE(parse_base_url("http://[]:80"));
  EXPECT_FALSE(parse_base_url("http://[::1]x"));
  EXPECT_FALSE(parse_base_url("http://::1:80"));
  EXPECT_FALSE(parse_base_url("http://:80"));
  EXPECT_FALSE(parse_base_url("http://livekit:"));
  EXPECT_FALSE(parse_base_url("http://livekit:0"));
  EXPECT_FALSE(parse_base_url("http://livekit:+80"));
}

}  // namespace
}  // namespace ar::livekit
