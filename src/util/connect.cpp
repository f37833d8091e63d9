#include "util/connect.hpp"

#include <openssl/ssl.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <variant>

namespace ar::util {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::use_awaitable;

}  // namespace

std::unique_ptr<asio::ssl::context> make_tls_client_context(const std::string& ca_file,
                                                            bool verify) {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  tls->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                   asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  tls->set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  if (ca_file.empty()) {
    tls->set_default_verify_paths();
  } else {
    tls->load_verify_file(ca_file);
  }
  return tls;
}

asio::awaitable<beast::tcp_stream> open_tcp(asio::any_io_executor executor, const std::string& host,
                                            std::uint16_t port, Deadline deadline) {
  using asio::experimental::awaitable_operators::operator||;
  asio::ip::tcp::resolver resolver(executor);
  asio::steady_timer timer(executor, deadline);
  // getaddrinfo cannot be given a timeout; the resolution is abandoned when the timer wins.
  auto resolved = co_await (resolver.async_resolve(host, std::to_string(port), use_awaitable) ||
                            timer.async_wait(use_awaitable));
  if (resolved.index() != 0) throw boost::system::system_error(beast::error::timeout);
  beast::tcp_stream tcp(executor);
  tcp.expires_at(deadline);
  co_await tcp.async_connect(std::get<0>(resolved), use_awaitable);
  tcp.socket().set_option(asio::ip::tcp::no_delay(true));
  co_return tcp;
}

asio::awaitable<void> tls_handshake(beast::ssl_stream<beast::tcp_stream>& stream,
                                    const std::string& host, bool verify, Deadline deadline) {
  boost::system::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (not_ip && SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) != 1) {
    throw std::runtime_error("cannot set the TLS server name");
  }
  if (verify) stream.set_verify_callback(asio::ssl::host_name_verification(host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  co_await stream.async_handshake(asio::ssl::stream_base::client, use_awaitable);
}

}  // namespace ar::util
