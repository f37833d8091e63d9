#include "util/crypto.hpp"

// OpenSSL 3 marks the SHA256_* functions deprecated in favour of EVP. On OpenSSL 3.0, EVP
// re-creates a provider context at every EVP_DigestInit_ex (a heap allocation) and its HMAC
// copies contexts (two more); the SHA256_CTX below lives on the stack, runs the same assembly,
// and allocates nothing. docs/performance.md has the heap profile.
#define OPENSSL_SUPPRESS_DEPRECATED  // NOLINT(cppcoreguidelines-macro-usage)
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <string>

namespace ar::util {
namespace {

constexpr std::size_t kBlock = SHA256_CBLOCK;

void add(SHA256_CTX& context, const void* data, std::size_t size) {
  SHA256_Update(&context, data, size);
}

Sha256Digest finish(SHA256_CTX& context) {
  Sha256Digest out{};
  SHA256_Final(out.data(), &context);
  return out;
}

// The hash states after the key XORed into the inner and outer pads (RFC 2104), kept while
// the key stays the same: each HMAC then starts from a copy of them.
struct HmacState {
  std::string key;
  bool set = false;
  SHA256_CTX inner{};
  SHA256_CTX outer{};

  HmacState() = default;
  HmacState(const HmacState&) = delete;
  HmacState& operator=(const HmacState&) = delete;
  ~HmacState() { forget(); }

  void forget() {
    OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
  }

  void use(std::string_view new_key) {
    if (set && key == new_key) return;
    forget();
    key = new_key;
    set = true;
    std::array<unsigned char, kBlock> block{};
    if (new_key.size() > kBlock) {  // longer keys are hashed first
      const Sha256Digest hashed = sha256(new_key);
      std::copy(hashed.begin(), hashed.end(), block.begin());
    } else {
      std::copy(new_key.begin(), new_key.end(), block.begin());
    }
    std::array<unsigned char, kBlock> pad{};
    for (std::size_t i = 0; i < kBlock; ++i) pad.at(i) = block.at(i) ^ 0x36U;
    SHA256_Init(&inner);
    add(inner, pad.data(), pad.size());
    for (std::size_t i = 0; i < kBlock; ++i) pad.at(i) = block.at(i) ^ 0x5cU;
    SHA256_Init(&outer);
    add(outer, pad.data(), pad.size());
    OPENSSL_cleanse(pad.data(), pad.size());
    OPENSSL_cleanse(block.data(), block.size());
  }
};

}  // namespace

Sha256Digest sha256(std::string_view data) {
  SHA256_CTX context;
  SHA256_Init(&context);
  add(context, data.data(), data.size());
  return finish(context);
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  thread_local HmacState state;
  state.use(key);
  SHA256_CTX inner = state.inner;
  add(inner, data.data(), data.size());
  const Sha256Digest inner_hash = finish(inner);
  SHA256_CTX outer = state.outer;
  add(outer, inner_hash.data(), inner_hash.size());
  OPENSSL_cleanse(&inner, sizeof inner);
  Sha256Digest mac = finish(outer);
  OPENSSL_cleanse(&outer, sizeof outer);
  return mac;
}

bool constant_time_equal(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) {
    // Still a comparison of the same length, so a wrong length costs what a wrong byte does.
    return CRYPTO_memcmp(expected.data(), expected.data(), expected.size()) != 0;
  }
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ar::util
