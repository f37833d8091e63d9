#pragma once
// Opening outbound connections, shared by the LiveKit API client and the Redis client: resolve
// and connect within a deadline, and a TLS client handshake that verifies the certificate and
// the host name.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace ar::util {

using Deadline = std::chrono::steady_clock::time_point;

// TLS 1.2 or newer. verify: the peer's chain against ca_file (empty: the system's CAs).
std::unique_ptr<boost::asio::ssl::context> make_tls_client_context(const std::string& ca_file,
                                                                   bool verify);

// Resolves host and connects to the first address that answers, with Nagle off. Throws
// boost::system::system_error; boost::beast::error::timeout when the deadline passes.
boost::asio::awaitable<boost::beast::tcp_stream> open_tcp(boost::asio::any_io_executor executor,
                                                          const std::string& host,
                                                          std::uint16_t port, Deadline deadline);

// The client handshake on a connected stream: SNI for names (not for IP addresses) and, when
// verify, the certificate must be valid for host. Throws like open_tcp.
boost::asio::awaitable<void> tls_handshake(
    boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, const std::string& host,
    bool verify, Deadline deadline);

}  // namespace ar::util
