#pragma once
// An asynchronous HTTP/1.1 server on Boost.Beast, plain or TLS: keep-alive, limits on body,
// headers and connections, separate timeouts for an idle connection, for reading headers and for
// reading a body (so a client sending one byte a second is cut off), TLS certificates that can be
// reloaded without dropping connections, and a way to stop accepting while in-flight requests
// finish. Knows HTTP, not LiveKit.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "server/http.hpp"
#include "server/io_pool.hpp"
#include "server/tls_context.hpp"

namespace ar::server {

struct HttpLimits {
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_connections = 1024;
  std::chrono::milliseconds idle_timeout{60000};  // waiting for a request's first byte
  std::chrono::milliseconds header_timeout{
      10000};  // first byte to end of headers (and TLS handshake)
  std::chrono::milliseconds body_timeout{30000};  // end of headers to end of body; also writes
};

// What the server tells its owner (main counts it in metrics), on the I/O threads.
struct HttpEvents {
  // A connection or request refused before any handler saw it: "read_timeout", "client_left",
  // "tls_handshake_failed", "too_many_connections", "accept_failed", or a RequestReader refusal
  // label ("body_too_large", ...).
  std::function<void(std::string_view reason)> refused;
  // A connection closed to make room for a new one at max_connections: idle, or the slowest
  // client (server/waiting_connections.hpp).
  std::function<void()> evicted;
};

class HttpServer {
 public:
  // Listens on `pool`'s main context; each connection is served by the pool's next one, which
  // calls `handler` (server/http.hpp). A connection waiting for a late answer is busy: it counts
  // towards max_connections, is never evicted, and no timeout runs until the answer is written.
  // Whoever holds Responders on threads of its own lets them go before `pool` is destroyed.
  HttpServer(IoPool& pool, HttpLimits limits, Handler handler, HttpEvents events = {});

  // Serve HTTPS (TLS 1.2 and 1.3 only) with these files. Throws std::runtime_error naming the
  // file when they cannot be loaded. Call again to reload: new connections use the new
  // certificate, open ones keep theirs.
  void use_tls(const TlsFiles& files);

  // Binds and starts accepting; throws std::runtime_error naming the port when it cannot bind.
  void listen(const boost::asio::ip::tcp::endpoint& endpoint);
  std::uint16_t port() const;
  bool tls() const;

  // New connections are refused; requests on open connections are answered with
  // "Connection: close".
  void stop_accepting();

  struct Shared;  // state the sessions share with the server

 private:
  void accept();

  void on_accept_failure(const boost::system::error_code& ec);

  IoPool& pool_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;  // a pause after accept fails (out of descriptors)
  std::size_t accept_failures_ = 0;         // in the current burst of failures
  std::shared_ptr<Shared> shared_;
};

}  // namespace ar::server
