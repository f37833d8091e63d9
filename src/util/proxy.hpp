#pragma once
// An HTTP proxy between the recorder and LiveKit, chosen the way Go programs (LiveKit's own
// among them) and curl choose it: HTTPS_PROXY for https:// targets, HTTP_PROXY for http://
// (upper case first, then lower), NO_PROXY to go direct. https:// targets go through a CONNECT
// tunnel; http:// ones as absolute-form requests. Credentials in the proxy URL become a
// Proxy-Authorization header and are never shown: messages name the variable, not the value.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ar::util {

struct HttpProxy {
  std::string host;
  std::uint16_t port = 3128;
  std::string authorization;  // "Basic ...", or empty without credentials
  std::string variable;       // "HTTPS_PROXY": where it came from
  std::string shown;          // the URL with its password redacted
};

using Environment = std::function<std::optional<std::string>(std::string_view)>;

// The proxy for `scheme` ("http" or "https") calls to host:port, or nullopt for a direct
// connection. Throws std::invalid_argument naming the variable when its value is not an
// http://[user:password@]host[:port] URL (the value itself is not repeated).
std::optional<HttpProxy> proxy_for(std::string_view scheme, std::string_view host,
                                   std::uint16_t port, const Environment& env);

// Whether NO_PROXY's value exempts host:port: "*", a host or domain (".example.com" or
// "example.com" covers its subdomains), an IP address, a CIDR range, each with an optional port.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::uint16_t port);

// The proxy's own answer, not the server's behind it: a CONNECT refused, or a 407.
struct ProxyRefused : std::runtime_error {
  ProxyRefused(unsigned status_, const std::string& what)
      : std::runtime_error(what), status(status_) {}
  unsigned status;
};

// What the proxy's answer `status` means, naming the proxy and the variable that set it:
// "the proxy host:port (HTTPS_PROXY) refused the credentials in HTTPS_PROXY".
std::string proxy_answer(const HttpProxy& proxy, unsigned status);

// Asks the proxy on `stream` to open a tunnel to authority ("host:port"). Throws ProxyRefused
// when it refuses (407: wrong credentials).
boost::asio::awaitable<void> open_tunnel(boost::beast::tcp_stream& stream,
                                         const std::string& authority, const HttpProxy& proxy,
                                         std::chrono::steady_clock::time_point deadline);

}  // namespace ar::util
