#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ar::livekit {

// The base URL for Twirp calls from a configured LiveKit host: ws:// becomes http://, wss://
// becomes https:// (as LiveKit's SDKs do) and a trailing "/" is dropped. nullopt when the scheme
// is none of those four, or what follows is not host[:port][/path].
std::optional<std::string> api_base_url(std::string_view host);

// Where an http(s):// base URL points.
struct ApiEndpoint {
  bool tls = false;
  std::string host;        // a name or an IP address (IPv6 without its brackets)
  std::uint16_t port = 0;  // 443 or 80 when the URL names none
  std::string authority;   // host[:port] as written, for the Host header
  std::string path;        // "" or "/prefix", never ending in "/"
};

// nullopt for anything but http(s)://host[:port][/path] (no user info, port 1-65535).
std::optional<ApiEndpoint> parse_base_url(std::string_view url);

}  // namespace ar::livekit
