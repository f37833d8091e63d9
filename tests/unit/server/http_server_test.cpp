// The server's side of the Handler contract (server/http.hpp) on a real connection over
// loopback: a handler may answer later, from another thread; answers keep the order of pipelined
// requests and the connection is kept alive; a responder dropped without an answer answers 500;
// after stop_accepting() a late answer closes the connection; a connection waiting for its answer
// is busy, not idle, at max_connections. Framing and slow clients: tests/integration.
#include "server/http_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/log.hpp"

namespace ar::server {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A request the handler has not answered: its views stay valid until `respond` is called.
struct Pending {
  HttpRequest request;
  Responder respond;
};

// Where the handler puts each request, for the test's thread to answer.
class Inbox {
 public:
  void put(const HttpRequest& request, Responder respond) {
    const std::lock_guard lock(mutex_);
    pending_.push_back({request, std::move(respond)});
    changed_.notify_all();
  }
  // The next request, waited for up to 5 s; none if it did not come.
  std::optional<Pending> take() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 5s, [this] { return !pending_.empty(); })) return std::nullopt;
    Pending next = std::move(pending_.front());
    pending_.pop_front();
    return next;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Pending> pending_;
};

// A server whose handler answers nothing itself, on a pool of two threads.
class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    log::setup({.level = log::Level::kError});
    server_.listen({asio::ip::address_v4::loopback(), 0});
    thread_ = std::thread([this] { pool_.run(); });
  }
  ~HttpServerTest() override {
    asio::post(pool_.main(), [this] { pool_.main().stop(); });
    thread_.join();
  }
  HttpServerTest(const HttpServerTest&) = delete;
  HttpServerTest& operator=(const HttpServerTest&) = delete;

  static HttpLimits limits() {
    HttpLimits limits;
    limits.max_connections = 1;
    return limits;
  }

  // A client connection with a 5 s read timeout, so that a missing answer fails the test.
  tcp::socket connect() {
    tcp::socket socket(client_io_);
    socket.connect({asio::ip::address_v4::loopback(), server_.port()});
    const timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return socket;
  }
  static void send(tcp::socket& socket, const std::string& bytes) {
    asio::write(socket, asio::buffer(bytes));
  }
  static std::string get(std::string_view target) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n\r\n";
  }
  http::response<http::string_body> read(tcp::socket& socket) {
    http::response<http::string_body> response;
    http::read(socket, buffer_, response);
    return response;
  }
  // Answered from this thread, not the server's: the body is the request's target.
  void answer_next() {
    auto next = inbox_.take();
    ASSERT_TRUE(next) << "the handler was not called";
    next->respond(HttpResponse::text(200, next->request.target));
  }

  std::vector<std::string> refused() {
    const std::lock_guard lock(mutex_);
    return refused_;
  }

  std::mutex mutex_;
  std::vector<std::string> refused_;
  IoPool pool_{2};
  // After the pool: a responder left in it answers onto a context that still exists.
  Inbox inbox_;
  HttpServer server_{pool_,
                     limits(),
                     [this](const HttpRequest& request, Responder respond) {
                       inbox_.put(request, std::move(respond));
                     },
                     {.refused =
                          [this](std::string_view reason) {
                            const std::lock_guard lock(mutex_);
                            refused_.emplace_back(reason);
                          },
                      .evicted = [] {}}};
  asio::io_context client_io_;
  std::thread thread_;
  boost::beast::flat_buffer buffer_;
};

TEST_F(HttpServerTest, AHandlerAnswersLaterFromAnotherThreadAndTheConnectionIsKeptAlive) {
  tcp::socket client = connect();
  send(client, get("/first"));
  answer_next();
  const auto first = read(client);
  EXPECT_EQ(first.result_int(), 200U);
  EXPECT_EQ(first.body(), "/first\n");
  EXPECT_TRUE(first.keep_alive());
  send(client, get("/second"));
  answer_next();
  EXPECT_EQ(read(client).body(), "/second\n");
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInTheirOrder) {
  tcp::socket client = connect();
  send(client, get("/a") + get("/b") + get("/c"));
  for (int i = 0; i < 3; ++i) answer_next();
  EXPECT_EQ(read(client).body(), "/a\n");
  EXPECT_EQ(read(client).body(), "/b\n");
  EXPECT_EQ(read(client).body(), "/c\n");
}

TEST_F(HttpServerTest, AResponderDroppedWithoutAnAnswerAnswers500AndTheConnectionLives) {
  tcp::socket client = connect();
  send(client, get("/dropped"));
  std::thread([next = inbox_.take()]() mutable { next.reset(); }).join();
  const auto dropped = read(client);
  EXPECT_EQ(dropped.result_int(), 500U);
  EXPECT_EQ(dropped.body(), "the request was dropped without an answer\n");
  send(client, get("/after"));
  answer_next();
  EXPECT_EQ(read(client).body(), "/after\n");
}

TEST_F(HttpServerTest, AfterStopAcceptingALateAnswerClosesTheConnection) {
  tcp::socket client = connect();
  send(client, get("/draining"));
  auto next = inbox_.take();
  ASSERT_TRUE(next);
  std::promise<void> stopped;
  asio::post(pool_.main(), [&] {
    server_.stop_accepting();
    stopped.set_value();
  });
  stopped.get_future().wait();
  next->respond(HttpResponse::text(200, "late"));
  const auto answer = read(client);
  EXPECT_EQ(answer.body(), "late\n");
  EXPECT_FALSE(answer.keep_alive());
}

TEST_F(HttpServerTest, AConnectionWaitingForItsAnswerIsNotEvictedAtTheLimit) {
  tcp::socket waiting = connect();
  send(waiting, get("/slow"));
  auto next = inbox_.take();
  ASSERT_TRUE(next);
  // max_connections is 1 and the only connection is busy: the newcomer is refused.
  tcp::socket newcomer = connect();
  std::array<char, 64> bytes{};
  boost::system::error_code ec;
  newcomer.read_some(asio::buffer(bytes), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(refused(), std::vector<std::string>{"too_many_connections"});
  next->respond(HttpResponse::text(200, "still served"));
  EXPECT_EQ(read(waiting).body(), "still served\n");
}

// A request stalled mid-way is no reason to refuse a newcomer: the client that moved longest ago
// makes room (the handler does not owe it anything yet).
TEST_F(HttpServerTest, AStalledRequestMakesRoomForANewcomerAtTheLimit) {
  tcp::socket stalled = connect();
  send(stalled, "POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nab");
  tcp::socket newcomer = connect();
  send(newcomer, get("/new"));
  answer_next();
  EXPECT_EQ(read(newcomer).body(), "/new\n");
  std::array<char, 64> bytes{};
  boost::system::error_code ec;
  stalled.read_some(asio::buffer(bytes), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_TRUE(refused().empty());
}

}  // namespace
}  // namespace ar::server
