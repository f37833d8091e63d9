#pragma once
// One POST to a notification endpoint, on a connection of its own: through HTTPS_PROXY or
// HTTP_PROXY as LiveKit's calls are, TLS always verified, within one deadline. Only the answer's
// status line and headers are read (bounded); its body never is, and a redirect is an answer like
// any other: never followed.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/proxy.hpp"

namespace ar::notify {

struct Target {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string authority;    // host:port
  std::string host_header;  // host, and :port unless the scheme's own
  std::string path;         // path and query: "/hooks?x=1"
  std::string basic;        // "Basic ...", from the URL's user:password; empty without
};

// The URL as a target; nullopt for anything but http(s)://host[:port][/path][?query].
std::optional<Target> parse_target(const std::string& url);

struct Answer {
  unsigned status = 0;  // 0: no answer, `error` says why
  std::optional<std::chrono::seconds> retry_after{};
  std::string error{};  // "connection refused", "timed out after 10s"; empty with a status
};

// "120" or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT"), as a wait from `now`; nullopt for
// anything else.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

using Headers = std::vector<std::pair<std::string, std::string>>;

// Never throws: what went wrong is the answer's error. `tls_context`: for https:// targets.
boost::asio::awaitable<Answer> post(boost::asio::any_io_executor executor, const Target& target,
                                    boost::asio::ssl::context* tls_context,
                                    const util::HttpProxy* proxy, const Headers& headers,
                                    const std::string& body, std::chrono::milliseconds timeout);

}  // namespace ar::notify
