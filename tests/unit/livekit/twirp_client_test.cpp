// The Twirp client's transport against a scripted HTTP/1.1 server on loopback: what goes on the
// wire, keep-alive and its failures, timeouts, the concurrency cap and stop(). What LiveKit
// answers is tested end to end against the stand-in (tests/integration).
#include "livekit/twirp_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "livekit/scripted_server.hpp"

namespace ar::livekit {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::Answer;
using testing::options_for;
using testing::Request;
using testing::ScriptedServer;

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
