#include "notify/signature.hpp"

#include "util/base64.hpp"
#include "util/crypto.hpp"

namespace ar::notify {

std::optional<std::string> secret_key(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.starts_with(kPrefix)) secret.remove_prefix(kPrefix.size());
  auto key = util::base64_decode(secret);
  if (!key || key->size() < 24 || key->size() > 64) return std::nullopt;
  return key;
}

std::string signature_header(std::string_view id, std::int64_t timestamp_s, std::string_view body,
                             std::span<const std::string> keys) {
  std::string signed_text;
  signed_text.reserve(id.size() + body.size() + 24);
  signed_text.append(id).append(".").append(std::to_string(timestamp_s)).append(".").append(body);
  std::string header;
  for (const std::string& key : keys) {
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += util::base64_encode(util::as_bytes(util::hmac_sha256(key, signed_text)));
  }
  return header;
}

}  // namespace ar::notify
