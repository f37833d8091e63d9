#pragma once
// A scripted HTTP/1.1 server on loopback for the Twirp client and what is built on it: answers
// each request as a test says, and keeps what was asked; and the client's options for it.
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "livekit/twirp_client.hpp"

namespace ar::livekit::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
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
        while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
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

constexpr std::string_view kApiKey = "APIkey";
constexpr std::string_view kApiSecret = "a-secret-of-thirty-two-characters!";

// A client of url with short timeouts.
inline TwirpOptions options_for(const std::string& url) {
  TwirpOptions options;
  options.base_url = url;
  options.api_key = kApiKey;
  options.api_secret = kApiSecret;
  options.connect_timeout = std::chrono::seconds(1);
  options.request_timeout = std::chrono::seconds(2);
  return options;
}

}  // namespace ar::livekit::testing
