#include "server/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

#include "server/http_shared.hpp"
#include "server/request_reader.hpp"
#include "server/response_head.hpp"
#include "server/tls_context.hpp"
#include "server/unsent.hpp"
#include "server/waiting_connections.hpp"
#include "telemetry/log.hpp"

namespace ar::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// After an error answer the client may still be sending its body; reading it away for a short
// while lets the client see the answer instead of a reset connection.
constexpr std::chrono::seconds kLingerTime{2};
// A body up to this size goes into the header's buffer, which the connection keeps: one write,
// no allocation. Larger ones are written from their own string and then freed.
constexpr std::size_t kCopiedBody = std::size_t{16} * 1024;
constexpr std::size_t kFirstReadSize = 1024;

RequestLimits request_limits(const HttpLimits& limits) {
  return {.max_body_bytes = limits.max_body_bytes, .max_header_bytes = limits.max_header_bytes};
}

// Bytes read away after a closing answer: nobody reads them, so one buffer per thread serves
// every connection of that thread.
thread_local std::array<char, 4096> discarded;

// One connection. Stream is beast::tcp_stream (HTTP) or beast::ssl_stream over it (HTTPS).
// It reads from the network into a bounded buffer and does what its RequestReader says. While it
// waits on its client (idle, a request arriving, an answer being taken) it is listed in the
// server's waiting connections, which may close it to make room. It reads nothing more while an
// answer is owed or unsent (pipelined requests wait in the buffer, so answers keep the requests'
// order and a client that never reads holds one answer at most); while the handler owes it, the
// handler's Responder keeps it alive, it is never closed to make room, and no timer runs: the
// handler answers, or its Responder's destructor does.
template <class Stream>
class Session final : public WaitingConnection,
                      public ResponseSink,
                      public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, std::shared_ptr<HttpServer::Shared> shared)
      : stream_(std::move(stream)),
        drain_(stream_.get_executor()),
        shared_(std::move(shared)),
        buffer_(buffer_ceiling(request_limits(shared_->limits))),
        reader_(request_limits(shared_->limits)) {
    shared_->connections.fetch_add(1);
  }
  ~Session() {
    shared_->waiting.remove(*this);
    shared_->connections.fetch_sub(1);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void evict() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->owed_) return;  // the handler took its request meanwhile: it is answered
      self->evicted_ = true;
      beast::error_code ignored;
      self->tcp().socket().close(ignored);  // the pending read ends with operation_aborted
    });
  }

  void start() {
    shared_->waiting.idle(*this);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      wait_for_request();
    } else {
      tcp().expires_after(limits().header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  self->shared_->events.refused("tls_handshake_failed");
                                  return self->close();
                                }
                                self->wait_for_request();
                              });
    }
  }

 private:
  using Step = void (Session::*)();

  std::shared_ptr<WaitingConnection> lock() override { return this->weak_from_this().lock(); }
  const HttpLimits& limits() const { return shared_->limits; }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // A new connection must start its request within header_timeout (a flood of silent
  // connections is shed quickly); a kept-alive one may then wait idle_timeout for the next.
  // Once a byte has arrived, the headers must be complete within header_timeout.
  void wait_for_request() {
    if (buffer_.size() > 0) return next_pipelined();
    shared_->waiting.idle(*this);
    tcp().expires_after(served_ ? limits().idle_timeout : limits().header_timeout);
    read_more(&Session::start_request);
  }

  // A pipelined request is served once the kernel holds less than kMaxUnsentBytes of the answers
  // before it (server/unsent.hpp); until then it waits, evictable, for body_timeout at most.
  void next_pipelined() {
    if (unsent_bytes(tcp().socket().native_handle()) < kMaxUnsentBytes) return start_request();
    if (drain_deadline_ == std::chrono::steady_clock::time_point{}) {
      drain_deadline_ = std::chrono::steady_clock::now() + limits().body_timeout;
    } else if (std::chrono::steady_clock::now() >= drain_deadline_) {
      shared_->events.refused("read_timeout");
      return close();
    }
    drain_.expires_after(std::chrono::milliseconds(20));
    drain_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec && !self->evicted_) self->next_pipelined();
    });
  }

  // Reads what the client sends next into the buffer, then takes the next step. A connection's
  // first read takes 1 KiB: one that never sends anything (a flood) holds no more than that.
  void read_more(Step next) {
    const std::size_t room = buffer_.max_size() - buffer_.size();
    const std::size_t size = buffer_.capacity() == 0 ? kFirstReadSize : kReadSize;
    stream_.async_read_some(
        buffer_.prepare(std::min(size, room)),
        [self = this->shared_from_this(), next](beast::error_code ec, std::size_t n) {
          if (ec) return self->on_read_error(ec);
          self->buffer_.commit(n);
          // The client moved: the slowest make room first, not the ones still sending.
          if (self->in_request_) self->shared_->waiting.progressed(*self);
          ((*self).*next)();
        });
  }

  void on_read_error(beast::error_code ec) {
    if (evicted_) return close();  // counted as evicted
    if (ec == beast::error::timeout) {
      if (in_request_ || !served_) shared_->events.refused("read_timeout");
      return close();  // a client this slow is not waiting for an answer
    }
    // The client went away (closed, reset, TLS cut short). In the middle of a request that is
    // the client's business, not malformed HTTP.
    if (in_request_) shared_->events.refused("client_left");
    close();
  }

  void start_request() {
    drain_deadline_ = {};
    shared_->waiting.progressed(*this);
    in_request_ = true;
    reader_.start();
    tcp().expires_after(limits().header_timeout);
    advance();
  }

  void advance() {
    switch (reader_.advance(buffer_)) {
      case RequestReader::Step::kNeedMore:
        return read_more(&Session::advance);
      case RequestReader::Step::kHeaderDone:
        tcp().expires_after(limits().body_timeout);
        if (reader_.wants_continue()) return send_continue();
        return advance();
      case RequestReader::Step::kDone:
        return respond();
      case RequestReader::Step::kRefused:
        return refuse(reader_.refusal());
    }
  }

  // Expect: 100-continue: the client waits for this before it sends the body.
  void send_continue() {
    out_ = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->on_read_error(ec);
                        self->advance();
                      });
  }

  void refuse(const Refusal& refusal) {
    shared_->events.refused(refusal.label);
    HttpResponse answer;
    answer.status = refusal.status;
    answer.body = std::string(refusal.reason) + "\n";
    write(answer, false);
  }

  void respond() {
    served_ = true;
    owed_ = true;
    shared_->waiting.remove(*this);
    const RequestParts& parts = reader_.parts();
    const HttpRequest request{parts.method_name(), parts.target, parts.authorization, parts.body};
    shared_->handler(request, Responder(this->shared_from_this()));
  }

  // The handler's answer, from any thread: written on this connection's thread (at once when the
  // handler answers there). After stop_accepting() it closes the connection.
  void answer(HttpResponse response) override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this(),
                                            response = std::move(response)]() mutable {
      self->write(std::move(response), self->reader_.keep_alive() &&
                                           !self->shared_->closing.load(std::memory_order_relaxed));
    });
  }

  // The answer is formatted into one buffer the session keeps, so a kept-alive connection
  // answers without allocating (Beast's response message allocated for every header). A HEAD
  // request gets the header of the answer, Content-Length included, and no body.
  void write(HttpResponse answer, bool keep_alive) {
    in_request_ = false;
    owed_ = false;
    shared_->waiting.progressed(*this);  // an answer its client may never take
    // Known once the header is parsed; before that the request is not HEAD.
    const bool head = reader_.parts().method == http::verb::head;
    out_.clear();
    append_head(out_, answer, keep_alive);
    // A large body (a page of the ledger) is written from where it is, not copied after the
    // header, and let go of once written.
    if (head) answer.body.clear();
    if (answer.body.size() <= kCopiedBody) {
      out_ += answer.body;
      answer.body.clear();
    }
    body_ = std::move(answer.body);
    tcp().expires_after(limits().body_timeout);
    asio::async_write(
        stream_, std::array{asio::buffer(out_), asio::buffer(body_)},
        [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
          self->body_ = std::string();
          if (ec) return self->close();
          if (keep_alive) return self->wait_for_request();
          self->linger();
        });
  }

  // After an answer that closes the connection, read away what the client is still sending for
  // a while, so it sees the answer instead of a connection reset.
  void linger() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    tcp().expires_after(kLingerTime);
    discard();
  }

  void discard() {
    stream_.async_read_some(asio::buffer(discarded),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->discard();
                            });
  }

  void close() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      tcp().close();
    } else {
      if (closing_tls_) return tcp().close();
      closing_tls_ = true;
      tcp().expires_after(kLingerTime);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->tcp().close(); });
    }
  }

  Stream stream_;
  asio::steady_timer drain_;  // next_pipelined()'s pause
  std::chrono::steady_clock::time_point drain_deadline_{};
  std::shared_ptr<HttpServer::Shared> shared_;
  beast::flat_buffer buffer_;  // bytes read and not yet parsed; at most buffer_ceiling()
  RequestReader reader_;
  std::string out_;   // the answer being written: its header, and a small body
  std::string body_;  // a large body being written, after out_
  bool closing_tls_ = false;
  bool served_ = false;      // a request was answered: the connection has earned idle_timeout
  bool in_request_ = false;  // bytes of a request have arrived and it is not answered yet
  bool owed_ = false;        // the handler has the request and owes its answer
  bool evicted_ = false;     // closed to make room for a newcomer
};

}  // namespace

HttpServer::HttpServer(IoPool& pool, HttpLimits limits, Handler handler, HttpEvents events)
    : pool_(pool),
      acceptor_(pool.main()),
      accept_retry_(pool.main()),
      shared_(std::make_shared<Shared>()) {
  shared_->limits = limits;
  shared_->handler = std::move(handler);
  if (!events.refused) events.refused = [](std::string_view /*reason*/) {};
  if (!events.evicted) events.evicted = [] {};
  shared_->events = std::move(events);
}

void HttpServer::accept() {
  acceptor_.async_accept(pool_.next(), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // stop_accepting()
    if (ec) return on_accept_failure(ec);
    if (accept_failures_ > 0) {
      log::info("accepting connections again", {{"failures", std::to_string(accept_failures_)}});
      accept_failures_ = 0;
    }
    if (shared_->connections.load() >= shared_->limits.max_connections) {
      // Full: the connection idle longest, else the one whose client moved longest ago, makes
      // room (server/waiting_connections.hpp), so no flood of slow clients can lock LiveKit out.
      // Only when the service owes every connection its answer is the newcomer refused, and
      // memory stays bounded.
      if (const auto slowest = shared_->waiting.take_slowest()) {
        slowest->evict();
        shared_->events.evicted();
      } else {
        shared_->events.refused("too_many_connections");
        beast::error_code ignored;
        socket.close(ignored);
        return accept();
      }
    }
    if (auto tls = shared_->tls_context()) {
      using TlsStream = beast::ssl_stream<beast::tcp_stream>;
      std::make_shared<Session<TlsStream>>(TlsStream(beast::tcp_stream(std::move(socket)), *tls),
                                           shared_)
          ->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), shared_)
          ->start();
    }
    if (acceptor_.is_open()) accept();
  });
}

}  // namespace ar::server
