#include "util/proxy.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <stdexcept>
#include <vector>

#include "util/authority.hpp"
#include "util/base64.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace ar::util {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// The first of `names` set to something; with the name it came from.
std::optional<std::pair<std::string, std::string>> first_set(
    const Environment& env, std::initializer_list<std::string_view> names) {
  for (const std::string_view name : names) {
    if (auto value = env(name); value && !value->empty()) {
      return std::pair{std::string(name), *value};
    }
  }
  return std::nullopt;
}

// A NO_PROXY entry's host and port (0 when it names none). A bare IPv6 address ("::1") is
// taken whole, as curl and Go take it.
std::optional<std::pair<std::string, std::uint16_t>> entry_host_port(std::string_view entry) {
  if (!entry.starts_with('[') && entry.find(':') != entry.rfind(':')) {
    return std::pair{std::string(entry), std::uint16_t{0}};
  }
  const auto parsed = util::parse_authority(entry);
  if (!parsed) return std::nullopt;
  return std::pair{parsed->host, parsed->port.value_or(0)};
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

HttpProxy parse_proxy_url(const std::string& variable, std::string_view url) {
  const auto invalid = [&](std::string_view why) {
    return std::invalid_argument(variable + " is not a proxy URL (" + std::string(why) +
                                 "): write http://[user:password@]host[:port]");
  };
  std::string_view rest = url;
  if (rest.find("://") == std::string_view::npos) {
    // "proxy:3128" without a scheme is read as http://, as curl and Go do.
  } else if (lower(rest.substr(0, 7)) == "http://") {
    rest.remove_prefix(7);
  } else {
    throw invalid("only http:// proxies are supported");
  }
  rest = rest.substr(0, rest.find('/'));
  HttpProxy proxy;
  proxy.variable = variable;
  proxy.shown = redact_url_passwords(
      url.find("://") == std::string_view::npos ? "http://" + std::string(url) : std::string(url));
  // Split at the last '@', and decode leniently: passwords are often written unencoded.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    proxy.authorization = "Basic " + base64_encode(percent_decode(rest.substr(0, at)));
    rest.remove_prefix(at + 1);
  }
  const auto where = util::parse_authority(rest);
  if (!where) throw invalid("no host, or a port that is not one");
  proxy.host = where->host;
  if (where->port) proxy.port = *where->port;
  return proxy;
}

bool entry_matches(std::string_view entry, std::string_view host, std::uint16_t port) {
  if (entry == "*") return true;
  // A CIDR range.
  if (entry.find('/') != std::string_view::npos) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) return false;
    if (address.is_v4()) {
      const auto network = asio::ip::make_network_v4(entry, ec);
      return !ec &&
             asio::ip::make_network_v4(address.to_v4(), network.prefix_length()).canonical() ==
                 network.canonical();
    }
    const auto network = asio::ip::make_network_v6(entry, ec);
    return !ec && asio::ip::make_network_v6(address.to_v6(), network.prefix_length()).canonical() ==
                      network.canonical();
  }
  const auto split = entry_host_port(entry);
  if (!split) return false;
  if (split->second != 0 && split->second != port) return false;
  std::string name = lower(split->first);
  const std::string target = lower(host);
  if (name.starts_with("*.")) name.erase(0, 1);
  if (name.starts_with(".")) name.erase(0, 1);
  return target == name || (target.size() > name.size() && target.ends_with(name) &&
                            target[target.size() - name.size() - 1] == '.');
}

}  // namespace

bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::uint16_t port) {
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    const std::string_view entry = trim(no_proxy.substr(0, comma));
    if (!entry.empty() && entry_matches(entry, host, port)) return true;
    if (comma == std::string_view::npos) break;
    no_proxy.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<HttpProxy> proxy_for(std::string_view scheme, std::string_view host,
                                   std::uint16_t port, const Environment& env) {
  const auto configured = scheme == "https" ? first_set(env, {"HTTPS_PROXY", "https_proxy"})
                                            : first_set(env, {"HTTP_PROXY", "http_proxy"});
  if (!configured) return std::nullopt;
  HttpProxy proxy = parse_proxy_url(configured->first, configured->second);
  if (const auto no_proxy = first_set(env, {"NO_PROXY", "no_proxy"});
      no_proxy && no_proxy_matches(no_proxy->second, host, port)) {
    return std::nullopt;
  }
  return proxy;
}

std::string proxy_answer(const HttpProxy& proxy, unsigned status) {
  const std::string who =
      "the proxy " + proxy.host + ":" + std::to_string(proxy.port) + " (" + proxy.variable + ")";
  if (status == 407 || status == 401) {
    return who + " refused the credentials: check the user and password in " + proxy.variable;
  }
  if (status / 100 == 3) {
    return who + " answered " + std::to_string(status) +
           ", a redirect, which is not followed: check " + proxy.variable + " and NO_PROXY";
  }
  if (status >= 500) {
    return who + " answered " + std::to_string(status) + ": it could not reach LiveKit";
  }
  return who + " answered " + std::to_string(status);
}

asio::awaitable<void> open_tunnel(boost::beast::tcp_stream& stream, const std::string& authority,
                                  const HttpProxy& proxy,
                                  std::chrono::steady_clock::time_point deadline) {
  std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (!proxy.authorization.empty()) {
    request += "Proxy-Authorization: " + proxy.authorization + "\r\n";
  }
  request += "\r\n";
  stream.expires_at(deadline);
  co_await asio::async_write(stream, asio::buffer(request), asio::use_awaitable);
  // Only the header: after a 2xx the bytes that follow are the tunnel's.
  boost::beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
  const unsigned status = parser.get().result_int();
  if (status / 100 != 2) throw ProxyRefused(status, proxy_answer(proxy, status) + " (to CONNECT)");
  if (buffer.size() != 0) throw std::runtime_error("the proxy sent data before the tunnel");
}

}  // namespace ar::util
