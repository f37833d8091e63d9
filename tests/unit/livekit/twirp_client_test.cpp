// The Twirp client's transport against a scripted HTTP/1.1 server on loopback: what goes on the
// wire, keep-alive and its failures, timeouts, the concurrency cap and stop(). What LiveKit
// answers is tested end to end against the stand-in (tests/integration).
#include "livekit/twirp_client.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <sstream>
#include <thread>

namespace ar::livekit {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using Request = http::request<http::string_body>;

struct Answer {
  unsigned status = 200;
  std::string body = "{}";
  bool close_after = false;            // close the connection without saying so
  std::chrono::milliseconds delay{0};  // before answering
  bool never = false;                  // read the request, never answer
  bool drop = false;                   // read the request, close without an answer
  std::string before{};                // raw bytes sent ahead of the answer (interim answers)
  std::string after{};                 // raw bytes sent after the answer, unasked
};

// Accepts connections, one thread each; answers every request with script(request, connection).
class ScriptedServer {
 public:
  using Script = std::function<Answer(const Request&, int connection)>;

  explicit ScriptedServer(Script script)
      : script_(std::move(script)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept_thread_ = std::thread([this] { accept(); });
  }
  // Threads blocked in accept() or read() are woken by shutdown(2) on the raw descriptors; the
  // Asio objects are closed only once no thread uses them (ThreadSanitizer checks this).
  ~ScriptedServer() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    {
      const std::lock_guard lock(mutex_);
      for (auto& socket : sockets_) ::shutdown(socket.native_handle(), SHUT_RDWR);
    }
    for (auto& thread : connection_threads_) thread.join();
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int connections() const { return connections_; }
  int most_at_once() const { return most_at_once_; }
  std::vector<Request> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void accept() {
    for (int index = 0; !stopping_; ++index) {
      asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) return;
      ++connections_;
      asio::ip::tcp::socket* mine = nullptr;
      {
        const std::lock_guard lock(mutex_);
        mine = &sockets_.emplace_back(std::move(socket));
      }
      connection_threads_.emplace_back([this, mine, index] { serve(*mine, index); });
    }
  }

  void serve(asio::ip::tcp::socket& socket, int index) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      Request request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      {
        const std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      const int now = ++at_once_;
      for (int seen = most_at_once_;
           now > seen && !most_at_once_.compare_exchange_weak(seen, now);) {
      }
      const Answer answer = script_(request, index);
      if (answer.drop) {
        --at_once_;
        ::shutdown(socket.native_handle(), SHUT_RDWR);
        return;
      }
      if (answer.never) {
        while (!stopping_) std::this_thread::sleep_for(10ms);
        return;
      }
      std::this_thread::sleep_for(answer.delay);
      --at_once_;
      if (!answer.before.empty()) asio::write(socket, asio::buffer(answer.before), ec);
      http::response<http::string_body> response(static_cast<http::status>(answer.status), 11);
      response.set(http::field::content_type, "application/json");
      response.body() = answer.body;
      response.prepare_payload();
      // The answer and what follows it in one write, so they arrive together.
      std::ostringstream bytes;
      bytes << response << answer.after;
      asio::write(socket, asio::buffer(bytes.str()), ec);
      if (ec || answer.close_after) {
        ::shutdown(socket.native_handle(), SHUT_RDWR);  // closed with the server
        return;
      }
    }
  }

  Script script_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> at_once_{0};
  std::atomic<int> most_at_once_{0};
  mutable std::mutex mutex_;
  std::list<asio::ip::tcp::socket> sockets_;
  std::vector<Request> requests_;
  std::thread accept_thread_;
  std::vector<std::thread> connection_threads_;
};

TwirpOptions options_for(const std::string& url) {
  TwirpOptions options;
  options.base_url = url;
  options.api_key = "APIkey";
  options.api_secret = "a-secret-of-thirty-two-characters!";
  options.connect_timeout = 1s;
  options.request_timeout = 2s;
  return options;
}

// One call, waited for.
TwirpReply call(TwirpClient& client, const std::string& method = "livekit.Egress/ListEgress") {
  std::promise<TwirpReply> promise;
  client.call(method, R"({"room_name":"r"})", {.room_record = true},
              [&promise](TwirpReply reply) { promise.set_value(std::move(reply)); });
  return promise.get_future().get();
}

TEST(TwirpClient, PostsJsonWithABearerTokenUnderTheBaseUrlsPath) {
  ScriptedServer server([](const Request&, int) { return Answer{.body = R"({"items":[]})"}; });
  TwirpClient client(options_for(server.url() + "/behind/proxy"));
  const TwirpReply reply = call(client);
  EXPECT_TRUE(reply.ok()) << reply.code << ": " << reply.message;
  EXPECT_EQ(reply.http_status, 200U);
  EXPECT_EQ(reply.body, R"({"items":[]})");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  const Request& request = requests[0];
  EXPECT_EQ(request.method(), http::verb::post);
  EXPECT_EQ(request.target(), "/behind/proxy/twirp/livekit.Egress/ListEgress");
  EXPECT_EQ(request[http::field::host], server.url().substr(7));
  EXPECT_EQ(request[http::field::content_type], "application/json");
  EXPECT_TRUE(request[http::field::authorization].starts_with("Bearer ey"));
  EXPECT_EQ(request.body(), R"({"room_name":"r"})");
}

TEST(TwirpClient, KeepsTheConnectionAliveBetweenCalls) {
  ScriptedServer server([](const Request&, int) { return Answer{}; });
  TwirpClient client(options_for(server.url()));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(call(client).ok());
  EXPECT_EQ(server.connections(), 1);
}

TEST(TwirpClient, ResendsOnANewConnectionWhenTheServerClosedTheIdleOne) {
  // The server closes each connection after its answer without a "Connection: close", as an
  // idle timeout would: the next call finds the kept connection dead before it was read.
  ScriptedServer server([](const Request&, int) { return Answer{.close_after = true}; });
  TwirpClient client(options_for(server.url()));
  EXPECT_TRUE(call(client).ok());
  std::this_thread::sleep_for(50ms);
  const TwirpReply second = call(client);
  EXPECT_TRUE(second.ok()) << second.code << ": " << second.message;
  EXPECT_EQ(server.requests().size(), 2U) << "each request reached the server once";
}

TEST(TwirpClient, InterimAnswersAreSkippedAndTheFinalOneIsRead) {
  // A CDN or proxy in front of LiveKit sends 103 Early Hints (and some a stray 100) first.
  std::atomic<int> count{0};
  ScriptedServer server([&count](const Request&, int) {
    return Answer{.body = R"({"n":)" + std::to_string(++count) + "}",
                  .before =
                      "HTTP/1.1 103 Early Hints\r\nLink: </x.css>; rel=preload\r\n\r\n"
                      "HTTP/1.1 100 Continue\r\n\r\n"};
  });
  TwirpClient client(options_for(server.url()));
  for (int i = 1; i <= 3; ++i) {
    const TwirpReply reply = call(client);
    EXPECT_TRUE(reply.ok()) << reply.code << ": " << reply.message;
    EXPECT_EQ(reply.http_status, 200U);
    EXPECT_EQ(reply.body, R"({"n":)" + std::to_string(i) + "}") << "each call reads its own answer";
  }
  EXPECT_EQ(server.connections(), 1) << "the connection stays in step and is kept";
}

TEST(TwirpClient, AConnectionThatCarriesAnUnaskedAnswerIsNotReused) {
  std::atomic<int> count{0};
  ScriptedServer server([&count](const Request&, int) {
    return Answer{.body = R"({"n":)" + std::to_string(++count) + "}",
                  .after = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"stale\":1}\n"};
  });
  TwirpClient client(options_for(server.url()));
  EXPECT_EQ(call(client).body, R"({"n":1})");
  const TwirpReply second = call(client);
  EXPECT_EQ(second.body, R"({"n":2})") << "never the stale answer";
  EXPECT_EQ(server.connections(), 2);
}

// A proxy restart or an idle-timeout race: the server acted on the request, then the connection
// closed before the answer. Sending a start again would start a second recording.
TEST(TwirpClient, AStartWhoseAnswerIsLostIsNotSentAgainAReadIs) {
  std::atomic<int> count{0};
  ScriptedServer server([&count](const Request&, int) {
    const int n = ++count;
    return Answer{.drop = n == 2 || n == 4};  // each time the second request on a connection
  });
  TwirpClient client(options_for(server.url()));
  EXPECT_TRUE(call(client).ok());
  const TwirpReply start = call(client, "livekit.Egress/StartRoomCompositeEgress");
  EXPECT_EQ(start.code, "connection_error") << start.message;
  EXPECT_EQ(server.requests().size(), 2U) << "the start reached the server once";

  EXPECT_TRUE(call(client).ok());  // a new connection
  const TwirpReply list = call(client, "livekit.Egress/ListEgress");
  EXPECT_TRUE(list.ok()) << "a read is sent again on a new connection: " << list.message;
  EXPECT_EQ(server.requests().size(), 5U);
}

TEST(TwirpClient, NamesAnAnswerThatIsNotTwirpByItsStatus) {
  ScriptedServer server([](const Request&, int) {
    return Answer{.status = 502, .body = "<html>bad gateway</html>"};
  });
  TwirpClient client(options_for(server.url()));
  const TwirpReply reply = call(client);
  EXPECT_EQ(reply.code, "http_502");
  EXPECT_EQ(reply.http_status, 502U);
}

TEST(TwirpClient, ReadsTheTwirpErrorOfAnAnswer) {
  ScriptedServer server([](const Request&, int) {
    return Answer{.status = 503, .body = R"({"code":"unavailable","msg":"no egress"})"};
  });
  TwirpClient client(options_for(server.url()));
  const TwirpReply reply = call(client);
  EXPECT_EQ(reply.code, "unavailable");
  EXPECT_EQ(reply.message, "no egress");
}

TEST(TwirpClient, AServerThatNeverAnswersIsADeadlineExceeded) {
  ScriptedServer server([](const Request&, int) { return Answer{.never = true}; });
  TwirpOptions options = options_for(server.url());
  options.request_timeout = 300ms;
  TwirpClient client(options);
  const auto start = std::chrono::steady_clock::now();
  const TwirpReply reply = call(client);
  EXPECT_EQ(reply.code, "deadline_exceeded");
  EXPECT_NE(reply.message.find("api_request_timeout"), std::string::npos) << reply.message;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
}

TEST(TwirpClient, NoListenerIsAConnectionError) {
  std::string url;
  {
    const ScriptedServer gone([](const Request&, int) { return Answer{}; });
    url = gone.url();
  }
  TwirpClient client(options_for(url));
  const TwirpReply reply = call(client);
  EXPECT_EQ(reply.code, "connection_error");
  EXPECT_EQ(reply.http_status, 0U);
  EXPECT_NE(reply.message.find("cannot connect to 127.0.0.1:"), std::string::npos) << reply.message;
}

TEST(TwirpClient, RunsAtMostMaxConcurrentCallsAtOnce) {
  ScriptedServer server([](const Request&, int) { return Answer{.delay = 50ms}; });
  TwirpOptions options = options_for(server.url());
  options.max_concurrent = 3;
  TwirpClient client(options);
  std::atomic<int> done{0};
  std::promise<void> all;
  constexpr int kCalls = 12;
  for (int i = 0; i < kCalls; ++i) {
    client.call("livekit.Egress/ListEgress", "{}", {.room_record = true}, [&](TwirpReply reply) {
      EXPECT_TRUE(reply.ok()) << reply.message;
      if (++done == kCalls) all.set_value();
    });
  }
  EXPECT_GT(client.outstanding(), 3U);
  all.get_future().wait();
  EXPECT_EQ(server.most_at_once(), 3);
  EXPECT_LE(server.connections(), 3);
  // A call counts until its callback has returned.
  for (int i = 0; i < 100 && client.outstanding() != 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(client.outstanding(), 0U);
}

TEST(TwirpClient, StopDropsCallsInFlightWithoutRunningTheirCallbacks) {
  ScriptedServer server([](const Request&, int) { return Answer{.never = true}; });
  std::atomic<int> callbacks{0};
  {
    TwirpClient client(options_for(server.url()));
    for (int i = 0; i < 3; ++i) {
      client.call("livekit.Egress/ListEgress", "{}", {.room_record = true},
                  [&callbacks](const TwirpReply&) { ++callbacks; });
    }
    while (server.requests().size() < 3) std::this_thread::sleep_for(5ms);
    client.stop();
    client.call("livekit.Egress/ListEgress", "{}", {.room_record = true},
                [&callbacks](const TwirpReply&) { ++callbacks; });
  }
  EXPECT_EQ(callbacks, 0);
}

TEST(TwirpClient, RefusesABaseUrlItCannotCall) {
  EXPECT_THROW(TwirpClient(options_for("ws://livekit:7880")), std::invalid_argument);
}

}  // namespace
}  // namespace ar::livekit
