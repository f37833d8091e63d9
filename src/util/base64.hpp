#pragma once
// Base64 in the two alphabets JWTs and LiveKit's sha256 claim use.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ar::util {

// Standard alphabet with "=" padding (LiveKit's sha256 claim).
std::string base64_encode(std::string_view bytes);

// URL-safe alphabet without padding (JWT segments).
std::string base64url_encode(std::string_view bytes);

// Decodes URL-safe base64 with or without padding; nullopt on any character outside the
// alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

// Decodes the standard alphabet (HTTP Basic credentials), with or without padding.
std::optional<std::string> base64_decode(std::string_view text);

// Bytes that always suffice to decode `characters` of base64.
constexpr std::size_t base64_decoded_capacity(std::size_t characters) {
  return characters / 4 * 3 + 2;
}

// The same into out: the number of bytes written, or nullopt also when out is smaller than the
// decoded bytes.
std::optional<std::size_t> base64url_decode_into(std::string_view text, std::span<char> out);

// base64_encode into out, which holds at least (bytes.size() + 2) / 3 * 4 characters; what was
// written.
std::string_view base64_encode_into(std::string_view bytes, std::span<char> out);

}  // namespace ar::util
