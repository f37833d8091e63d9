#pragma once
// An asynchronous HTTP/1.1 server on Boost.Beast: keep-alive, body and header limits, read
// timeouts, and a way to stop accepting while in-flight requests finish. Knows HTTP, not LiveKit.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "server/http.hpp"

namespace ar::server {

struct HttpLimits {
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::chrono::milliseconds read_timeout{30000};
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpLimits limits, Handler handler);

  // Binds and starts accepting; throws std::runtime_error naming the port when it cannot bind.
  void listen(const boost::asio::ip::tcp::endpoint& endpoint);
  std::uint16_t port() const;

  // New connections are refused; requests on open connections are answered with
  // "Connection: close".
  void stop_accepting();

 private:
  void accept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<const HttpLimits> limits_;
  std::shared_ptr<const Handler> handler_;
  std::shared_ptr<std::atomic<bool>> closing_;
};

}  // namespace ar::server
