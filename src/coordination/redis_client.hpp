#pragma once
// One connection to Redis, run by its own thread. Commands are queued from any thread, written in
// batches (pipelined) and answered through callbacks on the client's thread. Knows the protocol
// (hiredis formats commands and parses replies), TLS, AUTH/SELECT and Sentinel discovery; not
// what the keys mean.
//
// Failure model: a command that cannot be answered (no connection, a timeout, a connection lost
// mid-batch) is answered kUnavailable, never retried here, never left hanging. While Redis is
// unreachable, commands are answered kUnavailable at once and the client reconnects in the
// background with a growing delay.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordination/reply_reader.hpp"
#include "coordination/settings.hpp"
#include "util/io_thread.hpp"

namespace ar::coordination {

class RedisClient {
 public:
  using Callback = std::function<void(const Reply&)>;
  // Called on the client's thread when the connection comes up (true) or is lost (false).
  using StateChange = std::function<void(bool up, std::string_view detail)>;

  RedisClient(const RedisSettings& settings, StateChange on_change);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Queues one command, e.g. {"SET", key, value}. `done` runs exactly once: on the client's
  // thread, or at once on the caller's after stop().
  void command(const std::vector<std::string>& args, Callback done);

  bool up() const { return up_; }
  // Commands queued or sent and not answered yet.
  std::size_t outstanding() const { return outstanding_; }
  // Replies refused past ReplyLimits (each closed its connection).
  std::uint64_t refused_replies() const { return refused_replies_; }

  // Answers every command queued or awaiting its reply kUnavailable ("shutting down"), closes
  // the connection and joins the thread. Idempotent; the destructor calls it.
  void stop();

 private:
  struct Pending {
    std::string wire;  // the command in Redis's protocol
    Callback done;
  };
  enum class State { kConnecting, kUp, kDown };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> connect_and_serve();
  boost::asio::awaitable<HostPort> ask_sentinels();
  template <typename Stream>
  boost::asio::awaitable<void> serve(Stream& stream, ReplyReader& reader);
  void enqueue(Pending pending);
  // Answers `why` to every command in `pending` and empties it.
  void fail(std::deque<Pending>& pending, std::string_view why);
  void set_state(State state, std::string_view detail);

  const RedisSettings& settings_;
  StateChange on_change_;
  std::unique_ptr<boost::asio::ssl::context> tls_;

  util::IoThread io_thread_;
  boost::asio::steady_timer wake_;  // cancelled when a command is queued
  std::deque<Pending> queue_;       // the client's thread only
  std::deque<Pending> sent_;        // written, awaiting replies in order; the client's thread only
  std::mutex stop_mutex_;           // orders command() against stop()
  bool stopped_ = false;            // under stop_mutex_: commands are answered at once
  State state_ = State::kConnecting;
  bool stopping_ = false;
  std::optional<bool> reported_;  // the last state on_change_ was told
  std::atomic<bool> up_{false};
  std::atomic<std::size_t> outstanding_{0};
  std::atomic<std::uint64_t> refused_replies_{0};
};

// Redis's wire format of one command (RESP array of bulk strings).
std::string format_command(const std::vector<std::string>& args);

}  // namespace ar::coordination
