#include "server/http_server.hpp"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>

#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// After an error answer the client may still be sending its body; reading it away for a short
// while lets the client see the answer instead of a reset connection.
constexpr std::chrono::seconds kLingerTime{2};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const HttpLimits> limits,
          std::shared_ptr<const Handler> handler, std::shared_ptr<std::atomic<bool>> closing)
      : stream_(std::move(socket)),
        limits_(std::move(limits)),
        handler_(std::move(handler)),
        closing_(std::move(closing)) {}

  void start() { read_request(); }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(limits_->max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits_->max_header_bytes));
    stream_.expires_after(limits_->read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec == http::error::body_limit) {
      metrics::webhook_rejected("body_too_large");
      return answer_and_close(413, "request body is larger than max_body_bytes\n");
    }
    if (ec == http::error::header_limit) {
      metrics::webhook_rejected("headers_too_large");
      return answer_and_close(431, "request headers are too large\n");
    }
    if (ec) {
      metrics::webhook_rejected("malformed_http");
      return answer_and_close(400, "malformed HTTP request\n");
    }

    const auto& message = parser_->get();
    const HttpRequest request{message.method_string(), message.target(),
                              message[http::field::authorization], message.body()};
    HttpResponse answer = (*handler_)(request);
    write(answer, message.keep_alive() && !closing_->load(std::memory_order_relaxed));
  }

  void write(HttpResponse& answer, bool keep_alive) {
    response_.emplace();
    response_->result(answer.status);
    response_->version(11);
    response_->set(http::field::server, "auto-recorder");
    response_->set(http::field::content_type, answer.content_type);
    if (!answer.allow.empty()) response_->set(http::field::allow, answer.allow);
    response_->body() = std::move(answer.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    stream_.expires_after(limits_->read_timeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (keep_alive) return self->read_request();
                        self->linger();
                      });
  }

  void answer_and_close(unsigned status, std::string body) {
    HttpResponse answer;
    answer.status = status;
    answer.body = std::move(body);
    write(answer, false);
  }

  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    discard();
  }

  void discard() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->discard();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::array<char, 4096> scratch_{};
  std::shared_ptr<const HttpLimits> limits_;
  std::shared_ptr<const Handler> handler_;
  std::shared_ptr<std::atomic<bool>> closing_;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, HttpLimits limits, Handler handler)
    : io_(io),
      acceptor_(io),
      limits_(std::make_shared<const HttpLimits>(limits)),
      handler_(std::make_shared<const Handler>(std::move(handler))),
      closing_(std::make_shared<std::atomic<bool>>(false)) {}

void HttpServer::listen(const tcp::endpoint& endpoint) {
  beast::error_code ec;
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
  closing_->store(true);
  beast::error_code ignored;
  acceptor_.close(ignored);
}

void HttpServer::accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // stop_accepting()
    if (ec) {
      // Out of descriptors or similar: keep serving the open connections and keep accepting.
      log::warn("accept failed", {{"error", ec.message()}});
    } else {
      std::make_shared<Session>(std::move(socket), limits_, handler_, closing_)->start();
    }
    if (acceptor_.is_open()) accept();
  });
}

}  // namespace ar::server
