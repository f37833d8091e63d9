#include "livekit/token.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json.hpp>

#include "livekit/sdk_fixture.hpp"
#include "livekit/webhook.hpp"
#include "util/base64.hpp"

namespace ar::livekit {
namespace {

using std::chrono::seconds;

using testing::load_sdk_fixture;
using testing::SdkFixture;

TEST(Token, VerifiesAWebhookTokenMintedByTheOfficialSdk) {
  const SdkFixture sdk = load_sdk_fixture();
  const VerifiedToken token =
      verify_token(sdk.webhook_token, {sdk.api_key, sdk.api_secret}, sdk.minted_at + seconds(10));
  ASSERT_EQ(token.check, TokenCheck::kOk);
  EXPECT_EQ(token.sha256, body_hash(sdk.body));
}

TEST(Token, VerifiesAnApiTokenMintedByTheOfficialSdk) {
  const SdkFixture sdk = load_sdk_fixture();
  EXPECT_EQ(verify_token(sdk.api_token, {sdk.api_key, sdk.api_secret}, sdk.minted_at).check,
            TokenCheck::kOk);
}

TEST(Token, SdkWebhookTokenExpiresAfterFiveMinutesPlusLeeway) {
  const SdkFixture sdk = load_sdk_fixture();
  const TokenPolicy policy{sdk.api_key, sdk.api_secret, seconds(60)};
  EXPECT_EQ(verify_token(sdk.webhook_token, policy, sdk.minted_at + seconds(359)).check,
            TokenCheck::kOk);
  EXPECT_EQ(verify_token(sdk.webhook_token, policy, sdk.minted_at + seconds(361)).check,
            TokenCheck::kExpired);
  EXPECT_EQ(verify_token(sdk.webhook_token, policy, sdk.minted_at - seconds(61)).check,
            TokenCheck::kNotYetValid);
}

TEST(Token, RefusesSdkTokensUnderAnotherKeyOrSecret) {
  const SdkFixture sdk = load_sdk_fixture();
  EXPECT_EQ(verify_token(sdk.webhook_token, {"APIother", sdk.api_secret}, sdk.minted_at).check,
            TokenCheck::kWrongIssuer);
  EXPECT_EQ(verify_token(sdk.webhook_token, {sdk.api_key, "other-secret"}, sdk.minted_at).check,
            TokenCheck::kBadSignature);
}

TEST(Token, MintedTokensVerifyAndCarryTheGrant) {
  const auto now = Clock::now();
  const std::string token = mint_token("key", "secret", {.room_record = true}, seconds(600), now);
  EXPECT_EQ(verify_token(token, {"key", "secret"}, now).check, TokenCheck::kOk);
  const auto payload = util::base64url_decode(
      token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1));
  ASSERT_TRUE(payload);
  const auto claims = boost::json::parse(*payload).as_object();
  EXPECT_EQ(claims.at("iss").as_string(), "key");
  EXPECT_TRUE(claims.at("video").at("roomRecord").as_bool());
  EXPECT_FALSE(claims.at("video").as_object().contains("roomList"));
  EXPECT_EQ(claims.at("exp").as_int64() - claims.at("nbf").as_int64(), 600);
}

TEST(Token, FlippingAnySignatureCharacterBreaksIt) {
  const auto now = Clock::now();
  const std::string token = mint_token("key", "secret", {}, seconds(60), now);
  for (std::size_t i = token.rfind('.') + 1; i < token.size(); ++i) {
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_NE(verify_token(bad, {"key", "secret"}, now).check, TokenCheck::kOk) << i;
  }
}

// Signs arbitrary header and claims, for tokens LiveKit would never mint.
std::string sign(std::string_view header, std::string_view claims, std::string_view secret) {
  const std::string input = util::base64url_encode(header) + "." + util::base64url_encode(claims);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data(), &length);
  return input + "." +
         util::base64url_encode({reinterpret_cast<const char*>(digest.data()), length});
}

constexpr std::string_view kHs256 = R"({"alg":"HS256"})";

TEST(Token, RefusesMalformedTokens) {
  const auto now = Clock::now();
  for (const char* token : {"", ".", "..", "a.b", "a.b.c.d", "!!!.###.$$$", "e30.W10.",
                            "W10.e30.AAAA" /* header is an array */}) {
    EXPECT_EQ(verify_token(token, {"key", "secret"}, now).check, TokenCheck::kMalformed) << token;
  }
}

TEST(Token, RefusesAlgorithmsOtherThanHs256) {
  const auto now = Clock::now();
  const std::string claims = R"({"iss":"key","exp":9999999999})";
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"HS512"})", R"({"alg":"RS256"})",
                             R"({"typ":"JWT"})", R"({"alg":5})"}) {
    const std::string token = util::base64url_encode(header) + "." +
                              util::base64url_encode(claims) + "." + util::base64url_encode("sig");
    EXPECT_EQ(verify_token(token, {"key", "secret"}, now).check, TokenCheck::kUnsupportedAlgorithm)
        << header;
  }
}

TEST(Token, RequiresExpiry) {
  // A validly signed token without exp would otherwise be valid forever (livekit/protocol#1706).
  const std::string token = sign(kHs256, R"({"iss":"key","nbf":1})", "secret");
  EXPECT_EQ(verify_token(token, {"key", "secret"}, Clock::now()).check, TokenCheck::kMissingExpiry);
}

// exp and nbf are whole seconds, as LiveKit's SDKs write them, between 1970 and 9999: a huge exp
// would make a token valid forever, and a claim of the wrong type must not be skipped.
TEST(Token, TimesMustBeWholeSecondsWithinASaneRange) {
  const auto now = Clock::time_point(seconds(1'700'000'000));
  const auto check = [&](std::string_view claims) {
    return verify_token(sign(kHs256, claims, "secret"), {"key", "secret"}, now).check;
  };
  EXPECT_EQ(check(R"({"iss":"key","exp":1700000100,"nbf":1699999999})"), TokenCheck::kOk);
  EXPECT_EQ(check(R"({"iss":"key","exp":253402300799})"), TokenCheck::kOk)
      << "the last second of 9999";
  for (const char* claims : {
           R"({"iss":"key","exp":1e308})",
           R"({"iss":"key","exp":9223372036854775808})",  // 2^63
           R"({"iss":"key","exp":9223372036854775807})",  // 2^63 - 1: past 9999
           R"({"iss":"key","exp":253402300800})",
           R"({"iss":"key","exp":1700000100.5})",
           R"({"iss":"key","exp":-1})",
           R"({"iss":"key","exp":"1700000100"})",
           R"({"iss":"key","exp":null})",
           R"({"iss":"key","exp":1700000100,"nbf":"1699999999"})",
           R"({"iss":"key","exp":1700000100,"nbf":1699999999.5})",
           R"({"iss":"key","exp":1700000100,"nbf":true})",
       }) {
    EXPECT_EQ(check(claims), TokenCheck::kBadTimeClaim) << claims;
  }
}

TEST(Token, ACritHeaderIsRefused) {
  const std::string token = sign(R"({"alg":"HS256","typ":"JWT","crit":["exp"]})",
                                 R"({"iss":"key","exp":9999999999})", "secret");
  EXPECT_EQ(verify_token(token, {"key", "secret"}, Clock::now()).check,
            TokenCheck::kUnsupportedHeader);
}

TEST(Token, SegmentsMustNotBePadded) {
  const std::string token = sign(kHs256, R"({"iss":"key","exp":9999999999})", "secret");
  ASSERT_EQ(verify_token(token, {"key", "secret"}, Clock::now()).check, TokenCheck::kOk);
  // The same token with base64 padding after its signature (32 bytes: one '=' in base64).
  EXPECT_EQ(verify_token(token + "=", {"key", "secret"}, Clock::now()).check,
            TokenCheck::kMalformed);
  const std::size_t dot = token.find('.');
  EXPECT_EQ(
      verify_token(token.substr(0, dot) + "==" + token.substr(dot), {"key", "secret"}, Clock::now())
          .check,
      TokenCheck::kMalformed);
}

TEST(Token, LeewayIsConfigurable) {
  const auto now = Clock::time_point(seconds(1'700'000'000));
  const std::string token = sign(kHs256, R"({"iss":"key","exp":1699999990})", "secret");
  EXPECT_EQ(verify_token(token, {"key", "secret", seconds(60)}, now).check, TokenCheck::kOk);
  EXPECT_EQ(verify_token(token, {"key", "secret", seconds(5)}, now).check, TokenCheck::kExpired);
}

TEST(Token, IssuerMustBeAString) {
  const std::string token = sign(kHs256, R"({"iss":7,"exp":9999999999})", "secret");
  EXPECT_EQ(verify_token(token, {"key", "secret"}, Clock::now()).check, TokenCheck::kWrongIssuer);
}

}  // namespace
}  // namespace ar::livekit
