#include "coordination/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <stdexcept>

#include "util/connect.hpp"
#include "util/text.hpp"

namespace ar::coordination {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::use_awaitable;
using namespace std::chrono_literals;

constexpr auto kFirstReconnectDelay = 100ms;
constexpr auto kMaxReconnectDelay = 5s;

std::string describe(const HostPort& at) {
  return at.host.find(':') == std::string::npos ? at.host + ":" + std::to_string(at.port)
                                                : "[" + at.host + "]:" + std::to_string(at.port);
}

// Reads until the parser holds one whole reply.
template <typename Stream>
awaitable<Reply> read_reply(Stream& stream, ReplyReader& reader) {
  std::array<char, 16384> buffer{};
  for (;;) {
    if (auto reply = reader.next()) co_return std::move(*reply);
    const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer), use_awaitable);
    reader.feed({buffer.data(), n});
  }
}

// One command and its reply, for the steps that set a connection up.
template <typename Stream>
awaitable<Reply> roundtrip(Stream& stream, ReplyReader& reader, std::chrono::milliseconds timeout,
                           const std::vector<std::string>& args) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await asio::async_write(stream, asio::buffer(format_command(args)), use_awaitable);
  Reply reply = co_await read_reply(stream, reader);
  if (reply.type == Reply::Type::kError) throw std::runtime_error(args[0] + ": " + reply.text);
  co_return reply;
}

// Opens a connection (TLS when configured), logs in, and hands the stream to `body`. The
// executor is the client's own (not `co_await this_coro::executor`, which clang-tidy's analyzer
// reads as a call through an uninitialized pointer: it does not model coroutine frames).
template <typename Body>
awaitable<void> with_connection(asio::io_context::executor_type executor, const HostPort& at,
                                asio::ssl::context* tls, std::chrono::milliseconds timeout,
                                const std::string& username, const std::string& password,
                                Body body) {
  beast::tcp_stream tcp = co_await util::open_tcp(executor, at.host, at.port,
                                                  std::chrono::steady_clock::now() + timeout);
  ReplyReader reader;
  auto log_in = [&](auto& stream) -> awaitable<void> {
    if (password.empty()) co_return;
    std::vector<std::string> auth{"AUTH"};
    if (!username.empty()) auth.push_back(username);
    auth.push_back(password);
    co_await roundtrip(stream, reader, timeout, auth);
  };
  if (tls == nullptr) {
    co_await log_in(tcp);
    co_await body(tcp, reader);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *tls);
  co_await util::tls_handshake(stream, at.host, true, std::chrono::steady_clock::now() + timeout);
  co_await log_in(stream);
  co_await body(stream, reader);
}

}  // namespace

std::string format_command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* wire = nullptr;
  const long long length =
      redisFormatCommandArgv(&wire, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (length < 0) throw std::bad_alloc();
  std::string out(wire, static_cast<std::size_t>(length));
  redisFreeCommand(wire);
  return out;
}

RedisClient::RedisClient(const RedisSettings& settings, StateChange on_change)
    : settings_(settings), on_change_(std::move(on_change)), wake_(io_thread_.context()) {
  if (settings_.tls) {
    tls_ = util::make_tls_client_context(settings_.ca_file, true);
  }
  asio::co_spawn(io_thread_.context(), run(), asio::detached);
}

RedisClient::~RedisClient() {
  stop();
}

void RedisClient::stop() {
  {
    const std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  // Every command() before this point has posted its command ahead of this: all of them are
  // answered here, and the thread stops before the connection could answer any of them again.
  asio::post(io_thread_.context(), [this] {
    stopping_ = true;
    fail(sent_, "shutting down");
    fail(queue_, "shutting down");
    io_thread_.context().stop();
  });
  io_thread_.join();
}

void RedisClient::command(const std::vector<std::string>& args, Callback done) {
  const std::unique_lock lock(stop_mutex_);
  if (stopped_) {
    Reply reply;
    reply.text = "shutting down";
    done(reply);
    return;
  }
  ++outstanding_;
  asio::post(io_thread_.context(),
             [this, pending = Pending{format_command(args), std::move(done)}]() mutable {
               enqueue(std::move(pending));
             });
}

void RedisClient::enqueue(Pending pending) {
  if (state_ == State::kDown || stopping_) {
    Reply reply;
    reply.text = stopping_ ? "shutting down" : "Redis is unreachable";
    --outstanding_;
    pending.done(reply);
    return;
  }
  queue_.push_back(std::move(pending));
  wake_.cancel();
}

void RedisClient::fail(std::deque<Pending>& pending, std::string_view why) {
  std::deque<Pending> failed;
  failed.swap(pending);
  Reply reply;
  reply.text = why;
  for (Pending& command : failed) {
    --outstanding_;
    command.done(reply);
  }
}

void RedisClient::set_state(State state, std::string_view detail) {
  state_ = state;
  up_ = state == State::kUp;
  if (reported_ != up_) {
    reported_ = up_;
    on_change_(up_, detail);
  }
}

awaitable<void> RedisClient::run() {
  std::chrono::milliseconds delay = kFirstReconnectDelay;
  while (!stopping_) {
    std::string why;
    bool refused = false;
    try {
      co_await connect_and_serve();
    } catch (const boost::system::system_error& e) {
      why = e.code() == boost::beast::error::timeout ? "timed out" : e.code().message();
    } catch (const ReplyRefused& e) {
      // Closed, counted, and said with the reconnect below (a broken or hostile server).
      ++refused_replies_;
      refused = true;
      why = std::string(e.what()) + ": the connection is closed";
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (stopping_) break;
    if (up_) delay = kFirstReconnectDelay;
    const bool said_down = reported_ == false;
    set_state(State::kDown, why);
    if (refused && said_down) on_change_(false, why);  // said every time, not once per outage
    fail(queue_, "Redis is unreachable: " + why);
    asio::steady_timer pause(io_thread_.context(), delay);
    co_await pause.async_wait(asio::as_tuple(use_awaitable));
    delay = std::min<std::chrono::milliseconds>(delay * 2, kMaxReconnectDelay);
    state_ = State::kConnecting;
  }
}

awaitable<HostPort> RedisClient::ask_sentinels() {
  std::vector<std::string> errors;
  for (const HostPort& sentinel : settings_.sentinels) {
    try {
      std::optional<HostPort> master;
      co_await with_connection(
          io_thread_.context().get_executor(), sentinel, tls_.get(), settings_.timeout,
          settings_.sentinel_username, settings_.sentinel_password,
          [&](auto& stream, ReplyReader& reader) -> awaitable<void> {
            // Named: GCC 12 cannot pass a braced list into a coroutine call.
            const std::vector<std::string> ask{"SENTINEL", "get-master-addr-by-name",
                                               settings_.sentinel_master_name};
            const Reply reply = co_await roundtrip(stream, reader, settings_.timeout, ask);
            if (reply.type == Reply::Type::kArray && reply.elements.size() == 2) {
              const std::string& text = reply.elements[1].text;
              unsigned port = 0;
              const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
              if (ec != std::errc() || end != text.data() + text.size() || port == 0 ||
                  port > 65535) {
                throw std::runtime_error("answered master port \"" + text +
                                         "\", which is not a port");
              }
              master = HostPort{reply.elements[0].text, static_cast<std::uint16_t>(port)};
            }
          });
      if (master) co_return *master;
      errors.push_back(describe(sentinel) + " does not know master \"" +
                       settings_.sentinel_master_name + "\"");
    } catch (const std::exception& e) {
      errors.push_back(describe(sentinel) + ": " + e.what());
    }
  }
  throw std::runtime_error("no Sentinel answered: " + util::join(errors, "; "));
}

awaitable<void> RedisClient::connect_and_serve() {
  // Not a ?: with co_await in one branch: GCC 12 destroys that temporary twice.
  HostPort at;
  if (settings_.address) {
    at = *settings_.address;
  } else {
    at = co_await ask_sentinels();
  }
  co_await with_connection(
      io_thread_.context().get_executor(), at, tls_.get(), settings_.timeout, settings_.username,
      settings_.password, [&](auto& stream, ReplyReader& reader) -> awaitable<void> {
        if (settings_.db != 0) {
          const std::vector<std::string> select{"SELECT", std::to_string(settings_.db)};
          co_await roundtrip(stream, reader, settings_.timeout, select);
        }
        if (!settings_.sentinels.empty()) {
          // Sentinel may name a master that has just been demoted: write only to a master.
          const std::vector<std::string> ask_role{"ROLE"};
          const Reply role = co_await roundtrip(stream, reader, settings_.timeout, ask_role);
          if (role.elements.empty() || role.elements[0].text != "master") {
            throw std::runtime_error(describe(at) + " is not a master");
          }
        }
        set_state(State::kUp, describe(at));
        co_await serve(stream, reader);
      });
}

template <typename Stream>
awaitable<void> RedisClient::serve(Stream& stream, ReplyReader& reader) {
  while (!stopping_) {
    if (queue_.empty()) {
      beast::get_lowest_layer(stream).expires_never();
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::as_tuple(use_awaitable));
      continue;
    }
    sent_.swap(queue_);  // sent_ is empty here: the previous batch was answered
    std::string wire;
    for (const Pending& pending : sent_) wire += pending.wire;
    try {
      beast::get_lowest_layer(stream).expires_after(settings_.timeout);
      co_await asio::async_write(stream, asio::buffer(wire), use_awaitable);
      while (!sent_.empty()) {
        const Reply reply = co_await read_reply(stream, reader);
        Pending answered = std::move(sent_.front());
        sent_.pop_front();
        --outstanding_;
        answered.done(reply);
      }
    } catch (const std::exception& e) {
      fail(sent_, std::string("connection to Redis lost: ") + e.what());
      throw;
    }
  }
}

}  // namespace ar::coordination
