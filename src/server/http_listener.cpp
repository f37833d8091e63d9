// The listening side of HttpServer: TLS files, the port, stopping, and pauses after accept fails.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <stdexcept>

#include "server/http_server.hpp"
#include "server/http_shared.hpp"
#include "telemetry/log.hpp"

namespace ar::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void HttpServer::use_tls(const TlsFiles& files) {
  auto context = server_tls_context(files);
  const std::lock_guard lock(shared_->tls_mutex);
  shared_->tls = std::move(context);
}

bool HttpServer::tls() const {
  return shared_->tls_context() != nullptr;
}

void HttpServer::listen(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on port " + std::to_string(endpoint.port()) + ": " +
                             ec.message() + " (is another process using it? set listen_port/PORT)");
  }
  accept();
}

std::uint16_t HttpServer::port() const {
  return acceptor_.local_endpoint().port();
}

void HttpServer::stop_accepting() {
  shared_->closing.store(true);
  // Called on the main context's thread, where the acceptor's handlers run.
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
}

// Out of descriptors (EMFILE) or similar: the open connections keep being served; accepting
// again at once would spin, so it pauses, and says so once per burst of failures.
void HttpServer::on_accept_failure(const boost::system::error_code& ec) {
  if (accept_failures_++ == 0) {
    log::warn("accept failed: pausing new connections for 100 ms at a time until it works",
              {{"error", ec.message()}});
  }
  shared_->events.refused("accept_failed");
  accept_retry_.expires_after(std::chrono::milliseconds(100));
  accept_retry_.async_wait([this](boost::system::error_code wait) {
    if (!wait && acceptor_.is_open()) accept();
  });
}

}  // namespace ar::server
