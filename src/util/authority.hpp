#pragma once
// "host", "host:port" or "[v6]:port": the authority part of a URL (RFC 3986), read by Boost.URL,
// for LiveKit's URL and Redis addresses alike.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ar::util {

struct Authority {
  std::string host;                   // a name or an IP address (IPv6 without its brackets)
  std::optional<std::uint16_t> port;  // none when the text names none
};

// nullopt for anything else: user info (user:password@), an empty host, an empty port after
// ':', a port outside 1-65535, characters a host cannot hold.
std::optional<Authority> parse_authority(std::string_view text);

}  // namespace ar::util
