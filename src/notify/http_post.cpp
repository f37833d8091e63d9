#include "notify/http_post.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "util/base64.hpp"
#include "util/connect.hpp"
#include "util/duration.hpp"

namespace ar::notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;

constexpr std::uint32_t kMaxAnswerHeaderBytes = 16 * 1024;
// A Retry-After longer than any give-up time is no instruction to keep (nor to overflow on).
constexpr std::chrono::seconds kMaxRetryAfter{std::chrono::hours(24 * 30)};

std::string request_text(const Target& target, const util::HttpProxy* proxy, const Headers& headers,
                         const std::string& body) {
  // Through a proxy, a plain-HTTP request names its target in full; an HTTPS one goes through a
  // CONNECT tunnel and looks as it would without the proxy.
  const bool absolute = proxy != nullptr && !target.tls;
  std::string out = "POST ";
  if (absolute) out += "http://" + target.authority;
  out += target.path + " HTTP/1.1\r\nHost: " + target.host_header +
         "\r\nContent-Type: application/json\r\nUser-Agent: auto-recorder/" AUTO_RECORDER_VERSION
         "\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n";
  if (absolute && !proxy->authorization.empty()) {
    out += "Proxy-Authorization: " + proxy->authorization + "\r\n";
  }
  if (!target.basic.empty()) out += "Authorization: " + target.basic + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

template <typename Stream>
asio::awaitable<Answer> exchange(Stream& stream, beast::tcp_stream& lowest,
                                 const std::string& request, util::Deadline deadline) {
  lowest.expires_at(deadline);
  co_await asio::async_write(stream, asio::buffer(request), use_awaitable);
  beast::flat_buffer buffer;
  // Interim answers (100 Continue, 103 Early Hints from a CDN) come before the final one.
  for (;;) {
    http::response_parser<http::empty_body> parser;
    parser.header_limit(kMaxAnswerHeaderBytes);
    parser.skip(true);  // the body is not read
    lowest.expires_at(deadline);
    co_await http::async_read_header(stream, buffer, parser, use_awaitable);
    const unsigned status = parser.get().result_int();
    if (status >= 100 && status < 200 && status != 101) continue;
    Answer answer;
    answer.status = status;
    if (const auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) {
      answer.retry_after = parse_retry_after(it->value(), std::chrono::system_clock::now());
    }
    co_return answer;
  }
}

asio::awaitable<Answer> attempt(asio::any_io_executor executor, const Target& target,
                                asio::ssl::context* tls_context, const util::HttpProxy* proxy,
                                const std::string& request, util::Deadline deadline) {
  beast::tcp_stream tcp =
      co_await util::open_tcp(executor, proxy != nullptr ? proxy->host : target.host,
                              proxy != nullptr ? proxy->port : target.port, deadline);
  if (!target.tls) co_return co_await exchange(tcp, tcp, request, deadline);
  if (proxy != nullptr) co_await util::open_tunnel(tcp, target.authority, *proxy, deadline);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *tls_context);
  co_await util::tls_handshake(stream, target.host, true, deadline);
  co_return co_await exchange(stream, beast::get_lowest_layer(stream), request, deadline);
}

}  // namespace

std::optional<Target> parse_target(const std::string& url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty()) {
    return std::nullopt;
  }
  Target t;
  t.tls = parsed->scheme() == "https";
  t.host = parsed->encoded_host_address();
  t.port =
      parsed->has_port() ? parsed->port_number() : static_cast<std::uint16_t>(t.tls ? 443 : 80);
  t.authority = std::string(parsed->encoded_host()) + ":" + std::to_string(t.port);
  t.host_header = std::string(parsed->encoded_host());
  if (t.port != (t.tls ? 443 : 80)) t.host_header += ":" + std::to_string(t.port);
  t.path = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) t.path += "?" + std::string(parsed->encoded_query());
  if (parsed->has_userinfo()) {
    t.basic = "Basic " + util::base64_encode(parsed->user() + ":" + parsed->password());
  }
  return t;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  std::int64_t seconds = 0;
  if (auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(std::min<std::int64_t>(seconds, kMaxRetryAfter.count()));
  }
  std::tm tm{};
  std::istringstream in{std::string(value)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail()) return std::nullopt;
  // In seconds before any conversion: a date past 2262 overflows the clock's nanoseconds.
  const std::int64_t wait = static_cast<std::int64_t>(timegm(&tm)) -
                            static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(now));
  return std::chrono::seconds(std::clamp<std::int64_t>(wait, 0, kMaxRetryAfter.count()));
}

asio::awaitable<Answer> post(asio::any_io_executor executor, const Target& target,
                             asio::ssl::context* tls_context, const util::HttpProxy* proxy,
                             const Headers& headers, const std::string& body,
                             std::chrono::milliseconds timeout) {
  const util::Deadline deadline = std::chrono::steady_clock::now() + timeout;
  const std::string request = request_text(target, proxy, headers, body);
  try {
    co_return co_await attempt(executor, target, tls_context, proxy, request, deadline);
  } catch (const util::ProxyRefused& e) {
    co_return Answer{0, std::nullopt, e.what()};
  } catch (const boost::system::system_error& e) {
    if (e.code() == beast::error::timeout) {
      co_return Answer{0, std::nullopt, "timed out after " + util::format_duration(timeout)};
    }
    co_return Answer{0, std::nullopt, e.code().message()};
  } catch (const std::exception& e) {
    // A proxy's or a TLS handshake's own failure (util/connect.hpp, util/proxy.hpp).
    co_return Answer{0, std::nullopt, e.what()};
  }
}

}  // namespace ar::notify
