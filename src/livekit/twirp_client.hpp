#pragma once
// Calls LiveKit's Twirp API (JSON over HTTP POST) without blocking the caller: requests are
// queued and run by one thread on libcurl's multi interface, at most max_concurrent at a time,
// over kept-alive connections. Knows Twirp, not policy.
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "livekit/token.hpp"

namespace ar::livekit {

struct TwirpReply {
  long http_status = 0;  // 0 when no HTTP answer came (connection error or timeout)
  // Empty on success. Otherwise the Twirp error code ("unavailable", "not_found", ...), or
  // "connection_error" / "deadline_exceeded" for transport failures, or "http_<status>" for a
  // non-Twirp error answer (e.g. from a proxy).
  std::string code;
  std::string message;
  std::string body;  // the JSON reply on success

  bool ok() const { return code.empty(); }
};

// The reply for an HTTP answer: success for 200, otherwise the Twirp error it carries.
TwirpReply reply_from_http(long status, std::string body);

struct TwirpOptions {
  std::string base_url;  // http(s)://host[:port]
  std::string api_key;
  std::string api_secret;
  std::string ca_file;  // empty: the system's CA bundle
  bool insecure_skip_verify = false;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_concurrent = 64;
};

class TwirpClient {
 public:
  using Callback = std::function<void(TwirpReply)>;

  explicit TwirpClient(TwirpOptions options);
  ~TwirpClient();
  TwirpClient(const TwirpClient&) = delete;
  TwirpClient& operator=(const TwirpClient&) = delete;

  // Queues POST {base_url}/twirp/{method} (method like "livekit.Egress/ListEgress") with a fresh
  // token carrying grant. done runs later on the client's thread, exactly once.
  void call(std::string_view method, std::string json_body, VideoGrant grant, Callback done);

  // Calls queued or running.
  std::size_t outstanding() const;

  // Stops the client's thread: calls still queued or running are dropped and their callbacks
  // never run. Idempotent; the destructor calls it.
  void stop();

 private:
  struct Transfer;
  void run();
  void start_transfer(std::unique_ptr<Transfer> transfer);
  void finish_transfer(void* easy, int curl_code);

  TwirpOptions options_;
  void* multi_ = nullptr;  // CURLM*, kept opaque so curl.h stays out of this header
  std::thread thread_;
  mutable std::mutex mutex_;
  std::deque<std::unique_ptr<Transfer>> queue_;
  std::size_t running_ = 0;
  std::unordered_set<Transfer*> active_;  // touched only by the client's thread
  bool stopping_ = false;
};

}  // namespace ar::livekit
