#pragma once
// Calls LiveKit's Twirp API (JSON over HTTP POST) without blocking the caller: calls are queued
// and run on the client's own thread, at most max_concurrent at a time, over kept-alive HTTP/1.1
// connections (Boost.Beast; TLS through OpenSSL, always verified unless told otherwise).
// A read (List...) is sent again when its kept-alive connection turns out closed; any other call
// whose answer is lost comes back as a connection_error, for the caller to check and retry.
// Knows Twirp, not policy.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "livekit/host.hpp"
#include "livekit/token.hpp"
#include "livekit/twirp_error.hpp"
#include "util/io_thread.hpp"
#include "util/proxy.hpp"

namespace ar::livekit {

// Reads a successful answer's body as it arrives, instead of the client keeping it whole (a list
// of 30 000 rooms or egresses). The reply then has an empty body; a body the reader refuses makes
// it an "internal" error.
class ReplyReader {
 public:
  ReplyReader() = default;
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;
  virtual ~ReplyReader() = default;
  // One more piece of the body; false once the body is not what this reader reads.
  virtual bool write(std::string_view chunk) = 0;
  // The body is complete; false when it was not what this reader reads.
  virtual bool finish() = 0;
};

struct TwirpOptions {
  std::string base_url;  // http(s)://host[:port][/path], as livekit::api_base_url makes it
  std::string api_key;
  std::string api_secret;
  std::string ca_file;  // empty: the system's CA bundle
  bool insecure_skip_verify = false;
  std::chrono::milliseconds connect_timeout{5000};   // TCP connect and TLS handshake
  std::chrono::milliseconds request_timeout{30000};  // the whole call, connecting included
  std::size_t max_concurrent = 256;                  // egress_concurrency's default
  std::optional<util::HttpProxy> proxy;              // null: connect to base_url's host directly
  // Told of every call as it ends, before its callback, on the client's thread: the method
  // ("ListEgress"), the reply, and the time from queueing to the answer.
  std::function<void(std::string_view method, const TwirpReply& reply,
                     std::chrono::duration<double> took)>
      on_call;
};

class TwirpClient {
 public:
  using Callback = std::function<void(TwirpReply)>;

  // Throws std::invalid_argument for a base_url parse_base_url refuses, and
  // boost::system::system_error when ca_file cannot be loaded.
  explicit TwirpClient(TwirpOptions options);
  ~TwirpClient();
  TwirpClient(const TwirpClient&) = delete;
  TwirpClient& operator=(const TwirpClient&) = delete;

  // Queues POST {base_url}/twirp/{method} (method like "livekit.Egress/ListEgress") with a fresh
  // token carrying grant. done runs later on the client's thread, exactly once. With a reader,
  // a successful answer's body goes to it as it arrives (on the client's thread, before done).
  void call(std::string_view method, std::string_view json_body, VideoGrant grant, Callback done,
            std::unique_ptr<ReplyReader> reader = nullptr);

  // Calls queued or running.
  std::size_t outstanding() const;

  // Stops the client's thread: calls still queued or running are dropped and their callbacks
  // never run. Idempotent; the destructor calls it.
  void stop();

 private:
  struct Call;
  struct Connection;
  boost::asio::awaitable<void> work();
  boost::asio::awaitable<TwirpReply> perform(const Call& call);
  boost::asio::awaitable<std::unique_ptr<Connection>> connect(
      std::chrono::steady_clock::time_point deadline);
  std::unique_ptr<Connection> take_idle();

  TwirpOptions options_;
  ApiEndpoint endpoint_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // for https:// only
  util::IoThread io_thread_;                        // before the sockets and calls that live on it
  mutable std::mutex mutex_;
  std::deque<std::unique_ptr<Call>> queue_;
  std::size_t running_ = 0;  // taken from the queue, callback not yet run
  std::size_t workers_ = 0;  // coroutines serving the queue, at most max_concurrent
  bool stopping_ = false;
  std::vector<std::unique_ptr<Connection>>
      idle_;  // kept-alive; touched only by the client's thread
};

}  // namespace ar::livekit
