#include "livekit/host.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace ar::livekit {

std::optional<std::string> api_base_url(std::string_view host) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kSchemes{{
      {"https://", "https://"},
      {"http://", "http://"},
      {"wss://", "https://"},
      {"ws://", "http://"},
  }};
  for (const auto& [given, mapped] : kSchemes) {
    if (host.substr(0, given.size()) != given) continue;
    std::string_view rest = host.substr(given.size());
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    std::string url = std::string(mapped) + std::string(rest);
    if (!parse_base_url(url)) return std::nullopt;
    return url;
  }
  return std::nullopt;
}

std::optional<ApiEndpoint> parse_base_url(std::string_view url) {
  // The path goes into every request line: a CR or LF there would start a header of its own.
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  }
  ApiEndpoint endpoint;
  if (url.starts_with("https://")) {
    endpoint.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const std::size_t slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::nullopt;
    if (!after.empty()) port = after.substr(1);
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (host.empty() || host.find(':') != std::string_view::npos) return std::nullopt;
  }
  endpoint.port = endpoint.tls ? 443 : 80;
  if (port.data() != nullptr) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    endpoint.port = static_cast<std::uint16_t>(value);
  }
  endpoint.host = std::string(host);
  endpoint.authority = std::string(authority);
  endpoint.path = std::string(path);
  return endpoint;
}

}  // namespace ar::livekit
