#pragma once
// Base64 in the two alphabets JWTs and LiveKit's sha256 claim use.
#include <optional>
#include <string>
#include <string_view>

namespace ar::livekit {

// Standard alphabet with "=" padding (LiveKit's sha256 claim).
std::string base64_encode(std::string_view bytes);

// URL-safe alphabet without padding (JWT segments).
std::string base64url_encode(std::string_view bytes);

// Decodes URL-safe base64 with or without padding; nullopt on any character outside the
// alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace ar::livekit
