// Our SHA-256 and HMAC-SHA256 against OpenSSL's one-shot functions, over key and message
// lengths around the block size, with the key changing and repeating as webhooks would.
#include "util/crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <random>
#include <string>
#include <thread>

namespace ar::util {
namespace {

std::string random_bytes(std::mt19937& random, std::size_t size) {
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random() & 0xFFU);
  return out;
}

Sha256Digest openssl_hmac(std::string_view key, std::string_view data) {
  Sha256Digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
  return out;
}

Sha256Digest openssl_sha256(std::string_view data) {
  Sha256Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

TEST(Crypto, Sha256MatchesOpenSsl) {
  std::mt19937 random(7);
  for (const std::size_t size : {0, 1, 55, 56, 63, 64, 65, 119, 128, 1000, 70000}) {
    const std::string data = random_bytes(random, size);
    EXPECT_EQ(sha256(data), openssl_sha256(data)) << size;
  }
}

TEST(Crypto, HmacMatchesOpenSslForEveryKeyLengthAroundTheBlock) {
  std::mt19937 random(11);
  for (const std::size_t key_size : {0, 1, 31, 32, 63, 64, 65, 100, 300}) {
    const std::string key = random_bytes(random, key_size);
    for (const std::size_t size : {0, 1, 64, 65, 500, 5000}) {
      const std::string data = random_bytes(random, size);
      EXPECT_EQ(hmac_sha256(key, data), openssl_hmac(key, data)) << key_size << "/" << size;
      // Same key again (pads reused), then a key that differs only in its last byte.
      EXPECT_EQ(hmac_sha256(key, data), openssl_hmac(key, data)) << key_size << "/" << size;
      if (!key.empty()) {
        std::string other = key;
        other.back() = static_cast<char>(other.back() ^ 1);
        EXPECT_EQ(hmac_sha256(other, data), openssl_hmac(other, data)) << key_size;
      }
    }
  }
}

TEST(Crypto, Rfc4231TestCase2) {
  const Sha256Digest mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  const Sha256Digest expected{0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
                              0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
                              0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
  EXPECT_EQ(mac, expected);
}

TEST(Crypto, ThreadsKeepTheirOwnContextsAndKeys) {
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &mismatches] {
      const std::string key = "key-of-thread-" + std::to_string(t);
      for (int i = 0; i < 500; ++i) {
        const std::string data = "message " + std::to_string(i);
        if (hmac_sha256(key, data) != openssl_hmac(key, data)) ++mismatches[t];
        if (sha256(data) != openssl_sha256(data)) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace ar::util
