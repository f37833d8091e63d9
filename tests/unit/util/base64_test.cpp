#include "util/base64.hpp"

#include <gtest/gtest.h>

#include <array>

namespace ar::util {
namespace {

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, UrlAlphabetHasNoPaddingAndNoPlusOrSlash) {
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(base64url_encode("f"), "Zg");
}

TEST(Base64, UrlDecodeRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += (n < 24 ? 1 : 7)) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(base64url_decode(base64url_encode(part)), part) << n;
  }
}

TEST(Base64, UrlDecodeAcceptsPaddingAndRefusesGarbage) {
  EXPECT_EQ(base64url_decode("Zg=="), "f");
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_FALSE(base64url_decode("Z"));       // impossible length
  EXPECT_FALSE(base64url_decode("Zm9v+A"));  // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm 9v"));   // whitespace
  EXPECT_FALSE(base64url_decode("Zh"));      // non-zero leftover bits
  EXPECT_FALSE(base64url_decode("Zm9"));     // non-zero leftover bits after two bytes
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
}

TEST(Base64, AStrayCharacterAnywhereIsRefused) {
  const std::string good = base64url_encode("any carnal pleasure");  // 26 characters
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (const char stray : {'+', '/', '=', '.', ' ', '\0', '\x80'}) {
      std::string bad = good;
      bad[at] = stray;
      if (stray == '=' && at + 1 == good.size()) continue;  // that is padding
      EXPECT_FALSE(base64url_decode(bad)) << at << " " << int(stray);
    }
  }
}

TEST(Base64, DecodesAndEncodesIntoTheCallersBuffer) {
  std::array<char, 3> three{};
  ASSERT_EQ(base64url_decode_into("Zm9v", three), 3U);
  EXPECT_EQ(std::string_view(three.data(), 3), "foo");
  std::array<char, 2> two{};
  EXPECT_FALSE(base64url_decode_into("Zm9v", two)) << "too small: refused, not overrun";
  EXPECT_EQ(base64url_decode_into("Zm8", two), 2U);

  std::array<char, 8> encoded{};
  EXPECT_EQ(base64_encode_into("fooba", encoded), "Zm9vYmE=");
  std::array<char, 7> short_of_one{};
  EXPECT_EQ(base64_encode_into("fooba", short_of_one), "");
}

}  // namespace
TEST(Base64, StandardDecodeReadsBasicCredentials) {
  // RFC 7617's example: "Aladdin:open sesame".
  EXPECT_EQ(base64_decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), "Aladdin:open sesame");
  EXPECT_EQ(base64_decode(base64_encode("\xfb\xff\xfe?>")), "\xfb\xff\xfe?>");  // + and /
  EXPECT_FALSE(base64_decode("-_-_"));  // the URL alphabet is not this one
  EXPECT_FALSE(base64_decode("a"));
}

}  // namespace ar::util
