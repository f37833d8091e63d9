#include "livekit/host.hpp"

#include <array>
#include <boost/url/parse.hpp>
#include <utility>

#include "util/authority.hpp"

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
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !parsed->has_authority() || parsed->has_query() || parsed->has_fragment()) {
    return std::nullopt;
  }
  ApiEndpoint endpoint;
  if (parsed->scheme_id() == boost::urls::scheme::https) {
    endpoint.tls = true;
  } else if (parsed->scheme_id() != boost::urls::scheme::http) {
    return std::nullopt;
  }
  const std::string_view authority = parsed->encoded_authority();
  const auto where = util::parse_authority(authority);
  if (!where) return std::nullopt;
  std::string_view path = parsed->encoded_path();
  if (!path.empty() && !path.starts_with('/')) return std::nullopt;  // "http://[::1]x"
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  endpoint.host = where->host;
  endpoint.port = where->port.value_or(endpoint.tls ? 443 : 80);
  endpoint.authority = std::string(authority);
  endpoint.path = std::string(path);
  return endpoint;
}

}  // namespace ar::livekit
