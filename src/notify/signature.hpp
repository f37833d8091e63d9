#pragma once
// Standard Webhooks signatures (standardwebhooks.com): "v1," and the base64 of HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<body>", under a secret given as "whsec_" and the base64 of
// its key. Several secrets, during a rotation, give several signatures, space-separated.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ar::notify {

// The key of a secret "whsec_<base64>" (the prefix may be left out), of 24 to 64 bytes as the
// specification asks; nullopt for anything else.
std::optional<std::string> secret_key(std::string_view secret);

// The webhook-signature header's value: one "v1,<base64>" per key, space-separated.
std::string signature_header(std::string_view id, std::int64_t timestamp_s, std::string_view body,
                             std::span<const std::string> keys);

}  // namespace ar::notify
