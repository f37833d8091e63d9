#include "util/proxy.hpp"

#include <gtest/gtest.h>

#include <map>

namespace ar::util {
namespace {

Environment env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

TEST(Proxy, HttpsTargetsUseHttpsProxyAndHttpTargetsHttpProxy) {
  const auto vars =
      env({{"HTTPS_PROXY", "http://secure-proxy:3128"}, {"http_proxy", "plain:8080"}});
  const auto https = proxy_for("https", "livekit.example.com", 443, vars);
  ASSERT_TRUE(https);
  EXPECT_EQ(https->host, "secure-proxy");
  EXPECT_EQ(https->port, 3128);
  EXPECT_EQ(https->variable, "HTTPS_PROXY");
  EXPECT_TRUE(https->authorization.empty());
  const auto http = proxy_for("http", "livekit", 7880, vars);
  ASSERT_TRUE(http);
  EXPECT_EQ(http->host, "plain");
  EXPECT_EQ(http->port, 8080);
  EXPECT_EQ(http->variable, "http_proxy") << "lower case when upper case is not set";
  EXPECT_FALSE(proxy_for("https", "x", 443, env({{"HTTP_PROXY", "p:1"}})));
  EXPECT_EQ(proxy_for("https", "x", 443, env({{"HTTPS_PROXY", "http://p"}}))->port, 3128);
}

TEST(Proxy, CredentialsBecomeBasicAuthorizationAndAreNeverShown) {
  const auto proxy =
      proxy_for("https", "x", 443, env({{"HTTPS_PROXY", "http://us%40er:s3cr3t%21@p:3128"}}));
  ASSERT_TRUE(proxy);
  EXPECT_EQ(proxy->authorization, "Basic dXNAZXI6czNjcjN0IQ==");  // "us@er:s3cr3t!"
  EXPECT_EQ(proxy->shown, "http://us%40er:<redacted>@p:3128");
  try {
    (void)proxy_for("https", "x", 443, env({{"HTTPS_PROXY", "socks5://u:s3cr3t@p:1080"}}));
    FAIL() << "socks5 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HTTPS_PROXY"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)proxy_for("https", "x", 443, env({{"HTTPS_PROXY", "http://p:99999"}})),
               std::invalid_argument);
}

TEST(Proxy, PasswordsWrittenWithoutPercentEncodingStillWork) {
  // Operators paste passwords as they are: '#', '?', '@', a lone '%' and spaces included.
  const auto proxy =
      proxy_for("https", "x", 443, env({{"HTTPS_PROXY", "http://user:p@ss#w?rd 100%@proxy:3128"}}));
  ASSERT_TRUE(proxy);
  EXPECT_EQ(proxy->host, "proxy");
  EXPECT_EQ(proxy->port, 3128);
  EXPECT_EQ(proxy->authorization, "Basic dXNlcjpwQHNzI3c/cmQgMTAwJQ==");  // "user:p@ss#w?rd 100%"
}

TEST(Proxy, NoProxyGoesDirect) {
  EXPECT_TRUE(no_proxy_matches("*", "anything", 1));
  EXPECT_TRUE(no_proxy_matches("example.com", "livekit.example.com", 443));
  EXPECT_TRUE(no_proxy_matches(".example.com", "livekit.example.com", 443));
  EXPECT_TRUE(no_proxy_matches("*.example.com", "livekit.example.com", 443));
  EXPECT_TRUE(no_proxy_matches("example.com", "EXAMPLE.com", 443));
  EXPECT_FALSE(no_proxy_matches("example.com", "notexample.com", 443));
  EXPECT_TRUE(no_proxy_matches("a, livekit:7880", "livekit", 7880));
  EXPECT_FALSE(no_proxy_matches("livekit:7880", "livekit", 443)) << "another port";
  EXPECT_TRUE(no_proxy_matches("10.0.0.0/8", "10.1.2.3", 7880));
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "11.1.2.3", 7880));
  EXPECT_TRUE(no_proxy_matches("fd00::/8", "fd12::1", 7880));
  EXPECT_TRUE(no_proxy_matches("127.0.0.1", "127.0.0.1", 7880));
  EXPECT_FALSE(no_proxy_matches("", "livekit", 7880));
  EXPECT_FALSE(proxy_for("https", "lk.internal", 443,
                         env({{"HTTPS_PROXY", "p:1"}, {"no_proxy", ".internal"}})));
}

// What a proxy's answer means is said as the proxy's, with the variable to check.
TEST(Proxy, TheProxysAnswersAreNamedAsItsOwn) {
  HttpProxy proxy;
  proxy.host = "squid";
  proxy.port = 3128;
  proxy.variable = "HTTP_PROXY";
  EXPECT_EQ(proxy_answer(proxy, 407),
            "the proxy squid:3128 (HTTP_PROXY) refused the credentials: check the user and "
            "password in HTTP_PROXY");
  EXPECT_EQ(proxy_answer(proxy, 302),
            "the proxy squid:3128 (HTTP_PROXY) answered 302, a redirect, which is not followed: "
            "check HTTP_PROXY and NO_PROXY");
  EXPECT_EQ(proxy_answer(proxy, 502),
            "the proxy squid:3128 (HTTP_PROXY) answered 502: it could not reach LiveKit");
  EXPECT_EQ(proxy_answer(proxy, 403), "the proxy squid:3128 (HTTP_PROXY) answered 403");
}

}  // namespace
}  // namespace ar::util
