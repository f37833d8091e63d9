#include "util/base64.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace ar::util {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::size_t encoded_size(std::size_t bytes, bool pad) {
  return pad ? (bytes + 2) / 3 * 4 : bytes / 3 * 4 + (bytes % 3 == 0 ? 0 : bytes % 3 + 1);
}

// Writes encoded_size(bytes.size(), pad) characters at out.
void encode(std::string_view bytes, std::string_view alphabet, bool pad, char* out) {
  const auto byte = [&bytes](std::size_t i) {
    return std::uint32_t{static_cast<unsigned char>(bytes[i])};
  };
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t n = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
    *out++ = alphabet[(n >> 18U) & 63U];
    *out++ = alphabet[(n >> 12U) & 63U];
    *out++ = alphabet[(n >> 6U) & 63U];
    *out++ = alphabet[n & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = byte(i) << 16U;
    if (rest == 2) n |= byte(i + 1) << 8U;
    *out++ = alphabet[(n >> 18U) & 63U];
    *out++ = alphabet[(n >> 12U) & 63U];
    if (rest == 2) *out++ = alphabet[(n >> 6U) & 63U];
    if (pad) *out++ = '=';
    if (pad && rest == 1) *out = '=';
  }
}

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out(encoded_size(bytes.size(), pad), '\0');
  encode(bytes, alphabet, pad, out.data());
  return out;
}

constexpr std::array<std::int16_t, 256> make_url_decode_table() {
  std::array<std::int16_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < kUrlSafe.size(); ++i) {
    table[static_cast<unsigned char>(kUrlSafe[i])] = static_cast<std::int16_t>(i);
  }
  return table;
}

constexpr std::array<std::int16_t, 256> kUrlDecode = make_url_decode_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  return encode(bytes, kStandard, true);
}

std::string base64url_encode(std::string_view bytes) {
  return encode(bytes, kUrlSafe, false);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(base64_decoded_capacity(text.size()), '\0');
  const auto size = base64url_decode_into(text, out);
  if (!size) return std::nullopt;
  out.resize(*size);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // The alphabets differ in two characters only; a text that mixes them is refused.
  if (text.find_first_of("-_") != std::string_view::npos) return std::nullopt;
  std::string url(text);
  std::replace(url.begin(), url.end(), '+', '-');
  std::replace(url.begin(), url.end(), '/', '_');
  return base64url_decode(url);
}

std::optional<std::size_t> base64url_decode_into(std::string_view text, std::span<char> out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  const std::size_t rest = text.size() % 4;
  if (rest == 1) return std::nullopt;
  const std::size_t size = text.size() / 4 * 3 + (rest == 0 ? 0 : rest - 1);
  if (size > out.size()) return std::nullopt;
  const auto value = [&text](std::size_t i) {
    return kUrlDecode[static_cast<unsigned char>(text[i])];
  };
  char* to = out.data();
  std::size_t i = 0;
  // Four characters make three bytes; any character outside the alphabet makes the OR negative.
  for (; i + 4 <= text.size(); i += 4) {
    const int a = value(i);
    const int b = value(i + 1);
    const int c = value(i + 2);
    const int d = value(i + 3);
    if ((a | b | c | d) < 0) return std::nullopt;
    const auto n = static_cast<std::uint32_t>((a << 18) | (b << 12) | (c << 6) | d);
    *to++ = static_cast<char>(n >> 16U);
    *to++ = static_cast<char>((n >> 8U) & 0xFFU);
    *to++ = static_cast<char>(n & 0xFFU);
  }
  if (rest != 0) {
    const int a = value(i);
    const int b = value(i + 1);
    const int c = rest == 3 ? value(i + 2) : 0;
    if ((a | b | c) < 0) return std::nullopt;
    const auto n = static_cast<std::uint32_t>((a << 18) | (b << 12) | (c << 6));
    // Leftover bits must be zero, or two encodings would decode to the same bytes.
    if ((rest == 2 && (n & 0xFFFFU) != 0) || (rest == 3 && (n & 0xFFU) != 0)) return std::nullopt;
    *to++ = static_cast<char>(n >> 16U);
    if (rest == 3) *to = static_cast<char>((n >> 8U) & 0xFFU);
  }
  return size;
}

std::string_view base64_encode_into(std::string_view bytes, std::span<char> out) {
  const std::size_t size = encoded_size(bytes.size(), true);
  if (size > out.size()) return {};
  encode(bytes, kStandard, true, out.data());
  return {out.data(), size};
}

}  // namespace ar::util
