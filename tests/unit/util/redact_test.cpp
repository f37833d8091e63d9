#include "util/redact.hpp"

#include <gtest/gtest.h>

namespace ar::util {
namespace {

TEST(RedactUrlPasswords, HidesThePasswordAndKeepsTheRest) {
  EXPECT_EQ(redact_url_passwords("http://user:pa55@minio:9000/bucket"),
            "http://user:<redacted>@minio:9000/bucket");
  EXPECT_EQ(redact_url_passwords("https://TOKEN@host/x"), "https://<redacted>@host/x")
      << "user info without a password may itself be a token";
  EXPECT_EQ(redact_url_passwords("proxy http://a:b@p:3128 and https://c:d@q failed"),
            "proxy http://a:<redacted>@p:3128 and https://c:<redacted>@q failed");
  EXPECT_EQ(redact_url_passwords(R"({"endpoint":"http://k:s@h"})"),
            R"({"endpoint":"http://k:<redacted>@h"})");
}

TEST(RedactUrlPasswords, LeavesUrlsWithoutUserInfoAlone) {
  for (const char* text : {"http://livekit:7880/twirp", "mailto:someone@example.com",
                           "https://host/path?email=a@b.c", "no url at all", "", "://@"}) {
    EXPECT_FALSE(has_url_user_info(text)) << text;
    EXPECT_EQ(redact_url_passwords(text), text);
  }
  EXPECT_TRUE(has_url_user_info("http://u:p@h"));
}

}  // namespace
}  // namespace ar::util
