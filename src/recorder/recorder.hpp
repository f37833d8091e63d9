#pragma once
// The policy: make sure every room is recorded exactly once. Webhooks, the reconciler and
// recordings that fail mid-room all come through ensure_recording(), so deduplication, retries
// and limits live here and nowhere else. Knows policy, not wire formats.
//
// With several replicas (Redis configured) a start is claimed in Redis first; only the claim's
// holder goes on. Without Redis, or while Redis is unreachable, the ListEgress check before every
// start is the only guard against a second recording.
//
// Threads: the HTTP thread asks for a verdict, LiveKit API answers arrive on the Twirp client's
// thread, Redis answers on the Redis client's, retry timers fire on the recorder's own timer
// thread. One mutex guards the state and is never held across anything that waits.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "coordination/coordination.hpp"
#include "livekit/egress.hpp"
#include "livekit/egress_info.hpp"
#include "livekit/twirp_client.hpp"
#include "livekit/webhook.hpp"
#include "recorder/policy.hpp"
#include "recorder/retry_policy.hpp"
#include "recorder/seen_set.hpp"

namespace ar::recorder {

// Who asked for the recording; logged with every decision.
enum class Origin { kWebhook, kReconciler, kRestart };

enum class Verdict {
  kAccepted,      // handled: started, queued, or already recording
  kSkipped,       // the recording policy says not to record this room
  kDuplicate,     // this event, or this room's room_started, was handled before
  kStopped,       // this room session's recording was stopped on purpose: not recorded again
  kBusy,          // too many rooms waiting to start: answer 503 so LiveKit retries
  kShuttingDown,  // answer 503: another replica, or this one after restart, takes it
};

class Recorder {
 public:
  // `coordination` is null when running alone (no Redis configured).
  Recorder(const config::Config& config, livekit::TwirpClient& api,
           coordination::Coordination* coordination = nullptr);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // A verified webhook. Never blocks: API calls it causes run in the background.
  Verdict on_webhook(const livekit::WebhookEvent& event);

  // The one decision point: make sure this room is being recorded.
  Verdict ensure_recording(const livekit::Room& room, Origin origin);

  // From now on room_started is answered 503 and no retry is scheduled.
  void shut_down();

  // Rooms waiting for their recording to start (checking, starting or waiting to retry).
  std::size_t pending() const;

  // The timer thread's context, shared with the reconciler.
  boost::asio::io_context& timers() { return timers_; }

  // Hands memory freed after a large burst back to the system, a second from now.
  void release_memory_soon();

  // Stops and joins the timer thread; pending timers never fire. Call before destroying anything
  // that owns a timer on it (the reconciler). Idempotent; the destructor calls it.
  void stop_timers();

 private:
  using SteadyClock = std::chrono::steady_clock;

  struct Attempt {
    std::uint64_t id = 0;
    livekit::Room room;
    Origin origin = Origin::kWebhook;
    SteadyClock::time_point first_try;
    unsigned retries = 0;
    std::shared_ptr<boost::asio::steady_timer> retry_timer;
    const config::Recording* recording = nullptr;  // what the policy chose
    std::string_view rule;                         // the rule that chose it, for the logs
    std::string event_id;         // the webhook that asked, marked handled with the claim
    std::string replaces_egress;  // a restart: the failed recording whose claim it may take
    bool claimed = false;         // this replica holds the room's claim in Redis
  };

  // Recordings of one room that failed mid-room, and the restarts that followed, in the last hour.
  struct History {
    std::deque<SteadyClock::time_point> failures;
    std::deque<SteadyClock::time_point> restarts;
    bool limit_reported = false;
  };

  Verdict ensure_locked(const livekit::Room& room, Origin origin, std::string_view event_id = {},
                        std::string_view replaces_egress = {});
  void on_recording_ended(const livekit::EgressInfo& egress);
  void restart_if_room_lives(const std::string& room_name, const std::string& room_sid,
                             const std::string& failed_egress);
  void claim_then_check(const std::string& room_name, std::uint64_t id);
  void check_then_start(const std::string& room_name, std::uint64_t id);
  void start(const std::string& room_name, std::uint64_t id);
  void observe_start_delay(const Attempt& attempt);
  void on_failure(Attempt& attempt, const livekit::TwirpReply& reply, std::string_view call);
  Attempt* find_attempt(const std::string& room_name, std::uint64_t id);
  void cancel_retry(Attempt& attempt);
  // Forgets the attempt; its claim now names `egress_id`, or is released when there is none.
  void finish(const std::string& room_name, std::string_view egress_id = {});
  History* prune_history(const std::string& room_name, SteadyClock::time_point now);
  // Whether the policy records this room; logs a skip, or unparsable metadata, once per room.
  bool chosen_by_policy(const livekit::Room& room, std::string_view origin,
                        SteadyClock::time_point now, Choice& choice);
  // A recording of room session `room_sid` ended EGRESS_COMPLETE: stopped with StopEgress, or
  // its room closing. Either way that session is not recorded again (unless
  // restart_stopped_recordings): a closing room asks for nothing more, a stop is respected.
  void note_stop(const std::string& room_sid, const std::string& egress_id);
  // Says once per room session that a stop kept it from being recorded again.
  void report_stop(const livekit::Room& room, std::string_view origin, SteadyClock::time_point now);

  const Policy policy_;
  const livekit::RequestStorages storages_;
  const config::Delivery& delivery_;
  livekit::TwirpClient& api_;
  coordination::Coordination* coordination_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Attempt> attempts_;     // by room name: one attempt per room
  std::unordered_map<std::string, History> history_;      // by room name, only rooms with failures
  std::unordered_map<std::string, std::string> stopped_;  // room sid -> the egress stopped
  SeenSet seen_;  // "ev:<event id>", "sid:<room sid>" handled, "fin:<room sid>" finished
  Backoff backoff_;
  std::uint64_t next_attempt_id_ = 1;
  std::size_t most_pending_ = 0;  // the most attempts at once since the queue was last empty
  static constexpr std::size_t kManyPending = 1000;
  bool shutting_down_ = false;

  boost::asio::io_context timers_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> timers_work_;
  boost::asio::steady_timer trim_timer_;  // on the timer thread
  std::thread timer_thread_;
};

std::string_view to_string(Origin origin);

}  // namespace ar::recorder
