#include "livekit/twirp_client.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <optional>
#include <stdexcept>

#include "util/connect.hpp"

namespace ar::livekit {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using std::chrono::steady_clock;

// Tokens for our own calls live briefly: a call never takes longer than this.
constexpr std::chrono::seconds kTokenTtl{600};
// A kept-alive connection unused for this long may have been closed by the server or a proxy
// in between; a new one is cheaper than a failed attempt.
constexpr std::chrono::seconds kIdleReuse{30};
// ListRooms and ListEgress of a large deployment stay far below this.
constexpr std::uint64_t kMaxReplyBytes = 32U << 20U;
// Interim answers (103 Early Hints from a CDN or proxy, 100 Continue) skipped before the final
// one; a server that sends more is broken.
constexpr int kMaxInterimAnswers = 8;

TwirpReply transport_failure(boost::system::error_code ec, std::string_view doing,
                             bool past_deadline) {
  TwirpReply reply;
  if (ec == beast::error::timeout) {
    reply.code = "deadline_exceeded";
    reply.message = std::string(doing) + ": no answer within " +
                    (past_deadline ? "api_request_timeout" : "api_connect_timeout");
  } else {
    reply.code = "connection_error";
    reply.message = std::string(doing) + ": " + ec.message();
  }
  return reply;
}

// The connection was closed with no answer: the server may have closed it while it was idle,
// before the request arrived, or after acting on it (a proxy restart, an idle-timeout race).
bool closed_without_answer(boost::system::error_code ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

// A kept-alive connection is reused only if the server has not closed it meanwhile (many proxies
// close after every answer without saying so) and has sent nothing nobody asked for (it would
// pass for the next call's answer). A peek that neither blocks nor consumes tells both.
bool still_open_and_quiet(int fd) {
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// An answer's body: kept as text (an error, or a reply nobody streams), or, once the status says
// success and a reader was given, handed to the reader piece by piece and not kept.
struct ReplyBody {
  struct value_type {
    std::string text;
    ReplyReader* reader = nullptr;
    bool refused = false;  // the reader said the body is not what it reads
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>& /*header*/, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>& /*length*/, beast::error_code& ec) { ec = {}; }
    template <class Buffers>
    std::size_t put(const Buffers& buffers, beast::error_code& ec) {
      ec = {};
      std::size_t taken = 0;
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
           ++it) {
        const std::string_view piece(static_cast<const char*>(it->data()), it->size());
        taken += piece.size();
        if (body_.reader == nullptr) {
          if (body_.text.size() + piece.size() > kMaxReplyBytes) {
            ec = http::error::body_limit;
            return taken;
          }
          body_.text.append(piece);
        } else if (!body_.refused && !body_.reader->write(piece)) {
          body_.refused = true;
        }
      }
      return taken;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

struct Exchange {
  boost::system::error_code ec;
  bool answered_some = false;
  unsigned status = 0;
  bool keep_alive = false;
  std::string body;
  bool streamed = false;  // the body went to the call's reader
  bool refused = false;   // and the reader refused it
};

template <typename Stream>
awaitable<Exchange> exchange(Stream& stream, beast::flat_buffer& buffer, const std::string& request,
                             steady_clock::time_point deadline, ReplyReader* reply_reader) {
  Exchange out;
  beast::get_lowest_layer(stream).expires_at(deadline);
  const auto [write_ec, written] =
      co_await asio::async_write(stream, asio::buffer(request), asio::as_tuple(use_awaitable));
  if (write_ec) {
    out.ec = write_ec;
    co_return out;
  }
  for (int interim = 0;; ++interim) {
    http::response_parser<ReplyBody> parser;
    parser.body_limit(boost::none);  // ReplyBody limits what it keeps; a reader keeps nothing
    const auto [header_ec, header_bytes] =
        co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(use_awaitable));
    if (header_ec) {
      out.ec = header_ec;
      out.answered_some = out.answered_some || parser.got_some();
      co_return out;
    }
    const unsigned status = parser.get().result_int();
    out.answered_some = true;
    // 1xx is interim (RFC 9110 §15.2): the final answer to this request follows.
    if (status >= 100 && status < 200 && status != 101) {
      if (interim < kMaxInterimAnswers) continue;
      out.ec = http::error::bad_status;
      co_return out;
    }
    if (status == 200) parser.get().body().reader = reply_reader;
    bool cut = false;
    if (!parser.is_done()) {
      const auto [body_ec, body_bytes] =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
      // An error answer whose server reset the connection after it (a proxy that closes with our
      // request's body unread: tinyproxy's 401, 407 and 5xx): its status says what it meant.
      cut = status != 200 && body_ec == asio::error::connection_reset;
      if (body_ec && !cut) {
        out.ec = body_ec;
        out.answered_some = true;  // a reader may hold part of it: never resent
        co_return out;
      }
    }
    out.status = status;
    // Bytes beyond the answer belong to no request: a connection that carries them would answer
    // the next call with them, so it is not kept.
    out.keep_alive = !cut && parser.get().keep_alive() && buffer.size() == 0;
    out.body = std::move(parser.get().body().text);
    out.streamed = parser.get().body().reader != nullptr;
    out.refused = parser.get().body().refused;
    break;
  }
  co_return out;
}

}  // namespace

struct TwirpClient::Call {
  std::string request;      // the whole HTTP request
  std::string_view method;  // "StartRoomCompositeEgress", for metrics; points into request
  // A read (List...): sent again at once when a kept-alive connection turns out closed. Twirp
  // posts every call, so HTTP's rule (resend only idempotent requests, RFC 9110 §9.2.2) is
  // applied by method: a start whose answer was lost may have started a recording, and goes
  // back to the caller as a transport failure instead.
  bool resendable = false;
  std::unique_ptr<ReplyReader> reader;  // null: the body is kept in the reply
  steady_clock::time_point queued_at;
  Callback done;
};

struct TwirpClient::Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  steady_clock::time_point idle_since;
};

TwirpClient::TwirpClient(TwirpOptions options) : options_(std::move(options)) {
  auto endpoint = parse_base_url(options_.base_url);
  if (!endpoint) throw std::invalid_argument("not an http(s):// base URL: " + options_.base_url);
  endpoint_ = std::move(*endpoint);
  if (endpoint_.tls) {
    tls_ = util::make_tls_client_context(options_.ca_file, !options_.insecure_skip_verify);
  }
}

TwirpClient::~TwirpClient() {
  stop();
  idle_.clear();  // sockets go before the io_context; suspended calls go with it
}

void TwirpClient::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  io_thread_.stop();
}

void TwirpClient::call(std::string_view method, std::string_view json_body, VideoGrant grant,
                       Callback done, std::unique_ptr<ReplyReader> reader) {
  const std::string token =
      mint_token(options_.api_key, options_.api_secret, grant, kTokenTtl, Clock::now());
  auto call = std::make_unique<Call>();
  std::string& request = call->request;
  request.reserve(300 + endpoint_.path.size() + method.size() + token.size() + json_body.size());
  request += "POST ";
  // Through a proxy, a plain-HTTP request names its target in full (absolute form); an HTTPS one
  // goes through a CONNECT tunnel and looks as it would without the proxy.
  const bool absolute = options_.proxy && !endpoint_.tls;
  if (absolute) {
    request += "http://";
    request += endpoint_.authority;
  }
  request += endpoint_.path;
  request += "/twirp/";
  const std::size_t slash = method.rfind('/');
  const std::size_t short_from = slash == std::string_view::npos ? 0 : slash + 1;
  const std::size_t method_at = request.size() + short_from;
  request += method;
  request += " HTTP/1.1\r\nHost: ";
  request += endpoint_.authority;
  if (absolute && !options_.proxy->authorization.empty()) {
    request += "\r\nProxy-Authorization: ";
    request += options_.proxy->authorization;
  }
  request += "\r\nUser-Agent: auto-recorder/" AUTO_RECORDER_VERSION
             "\r\nContent-Type: application/json\r\nAuthorization: Bearer ";
  request += token;
  request += "\r\nContent-Length: ";
  request += std::to_string(json_body.size());
  request += "\r\n\r\n";
  request += json_body;
  call->method = std::string_view(request).substr(method_at, method.size() - short_from);
  call->resendable = call->method.starts_with("List");
  call->queued_at = steady_clock::now();
  call->done = std::move(done);
  call->reader = std::move(reader);

  bool spawn = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(call));
    if (workers_ < options_.max_concurrent) {
      ++workers_;
      spawn = true;
    }
  }
  if (spawn) asio::co_spawn(io_thread_.context(), work(), asio::detached);
}

std::size_t TwirpClient::outstanding() const {
  const std::lock_guard lock(mutex_);
  return queue_.size() + running_;
}

awaitable<void> TwirpClient::work() {
  for (;;) {
    std::unique_ptr<Call> call;
    {
      const std::lock_guard lock(mutex_);
      if (stopping_ || queue_.empty()) {
        --workers_;
        co_return;
      }
      call = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    TwirpReply reply = co_await perform(*call);
    if (options_.on_call)
      options_.on_call(call->method, reply, steady_clock::now() - call->queued_at);
    call->done(std::move(reply));
    const std::lock_guard lock(mutex_);
    --running_;
  }
}

std::unique_ptr<TwirpClient::Connection> TwirpClient::take_idle() {
  while (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    if (steady_clock::now() - connection->idle_since >= kIdleReuse) continue;
    const int fd = connection->tls
                       ? beast::get_lowest_layer(*connection->tls).socket().native_handle()
                       : connection->plain->socket().native_handle();
    if (still_open_and_quiet(fd)) return connection;
  }
  return nullptr;
}

awaitable<std::unique_ptr<TwirpClient::Connection>> TwirpClient::connect(
    steady_clock::time_point deadline) {
  auto connection = std::make_unique<Connection>();
  const util::HttpProxy* proxy = options_.proxy ? &*options_.proxy : nullptr;
  beast::tcp_stream tcp = co_await util::open_tcp(io_thread_.context().get_executor(),
                                                  proxy ? proxy->host : endpoint_.host,
                                                  proxy ? proxy->port : endpoint_.port, deadline);
  if (!tls_) {
    connection->plain.emplace(std::move(tcp));
    co_return connection;
  }
  if (proxy != nullptr) co_await util::open_tunnel(tcp, endpoint_.authority, *proxy, deadline);
  connection->tls.emplace(std::move(tcp), *tls_);
  co_await util::tls_handshake(*connection->tls, endpoint_.host, !options_.insecure_skip_verify,
                               deadline);
  co_return connection;
}

awaitable<TwirpReply> TwirpClient::perform(const Call& call) {
  const auto start = steady_clock::now();
  const auto deadline = start + options_.request_timeout;
  const auto connect_deadline = std::min(deadline, start + options_.connect_timeout);
  for (;;) {
    // Through an HTTP proxy (absolute-form requests) a start always gets a new connection: some
    // proxies (tinyproxy) close the client's connection after every answer without saying so,
    // and a start sent into a connection closing under it cannot be sent again.
    const bool fresh = !call.resendable && options_.proxy && !endpoint_.tls;
    std::unique_ptr<Connection> connection = fresh ? nullptr : take_idle();
    const bool reused = connection != nullptr;
    if (!reused) {
      try {
        connection = co_await connect(connect_deadline);
      } catch (const boost::system::system_error& e) {
        co_return transport_failure(e.code(), "cannot connect to " + endpoint_.authority,
                                    steady_clock::now() >= deadline);
      } catch (const util::ProxyRefused& e) {
        co_return proxy_reply(e.status, e.what());
      } catch (const std::exception& e) {
        TwirpReply reply;
        reply.code = "connection_error";
        reply.message = "cannot connect to " + endpoint_.authority + ": " + e.what();
        co_return reply;
      }
    }
    // Not a ?: around the co_awaits: GCC 12 mishandles that in coroutines.
    Exchange result;
    if (connection->tls) {
      result = co_await exchange(*connection->tls, connection->buffer, call.request, deadline,
                                 call.reader.get());
    } else {
      result = co_await exchange(*connection->plain, connection->buffer, call.request, deadline,
                                 call.reader.get());
    }
    if (result.ec) {
      if (call.resendable && reused && !result.answered_some && closed_without_answer(result.ec)) {
        continue;
      }
      co_return transport_failure(result.ec, "calling " + endpoint_.authority, true);
    }
    if (result.keep_alive) {
      connection->idle_since = steady_clock::now();
      idle_.push_back(std::move(connection));
    }
    TwirpReply reply = reply_from_http(result.status, std::move(result.body));
    // Through a plain proxy an answer that is not Twirp's is the proxy's (its 407, its error
    // page), or from whatever stands in front of LiveKit: named as such, never as LiveKit's.
    if (options_.proxy && !endpoint_.tls && reply.code.starts_with("http_")) {
      reply = proxy_reply(result.status, util::proxy_answer(*options_.proxy, result.status) +
                                             (result.status == 407 ? "" : ", not LiveKit's Twirp"));
    }
    if (result.streamed && (result.refused || !call.reader->finish())) {
      reply.code = "internal";
      reply.message = "the answer is not the reply of " + std::string(call.method);
    }
    co_return reply;
  }
}

}  // namespace ar::livekit
