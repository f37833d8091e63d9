#pragma once
// SHA-256 and HMAC-SHA256 for tokens and webhook bodies, on OpenSSL's SHA-256, without a heap
// allocation per call: HMAC (RFC 2104) keeps, per thread, the hash states of its padded key
// until the key changes. OpenSSL 3's one-shot SHA256() and its HMAC looked the algorithm up and
// allocated and copied contexts for every webhook (docs/performance.md).
#include <array>
#include <string_view>

namespace ar::util {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::string_view data);

Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

inline std::string_view as_bytes(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// Whether `given` equals `expected`, in time that depends only on their lengths (a token check
// that must not tell, by how long it took, how much of a guess was right).
bool constant_time_equal(std::string_view given, std::string_view expected);

}  // namespace ar::util
