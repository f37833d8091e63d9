#include "notify/signature.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ar::notify {
namespace {

// The example of the Standard Webhooks specification, which its libraries test against (the npm
// package's Webhook.sign gives the same).
TEST(Signature, IsTheSpecificationsExample) {
  const auto key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key);
  const std::vector<std::string> keys{*key};
  EXPECT_EQ(
      signature_header("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})", keys),
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(Signature, EachSecretOfARotationSigns) {
  const std::vector<std::string> keys{*secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                                      *secret_key("c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcyE=")};
  const std::string header = signature_header("msg_1", 1, "{}", keys);
  EXPECT_EQ(header.find("v1,"), 0U);
  EXPECT_NE(header.find(" v1,"), std::string::npos);
}

TEST(Signature, SecretsAreWhsecBase64Of24To64Bytes) {
  EXPECT_FALSE(secret_key("whsec_"));
  EXPECT_FALSE(secret_key("whsec_c2hvcnQ="));                               // 5 bytes
  EXPECT_FALSE(secret_key("whsec_not base64!"));                            // not base64
  EXPECT_FALSE(secret_key(std::string("whsec_") + std::string(100, 'A')));  // 75 bytes
  EXPECT_TRUE(secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));              // the prefix may go
}

}  // namespace
}  // namespace ar::notify
