#pragma once
// Every reconcile_interval: ask LiveKit for its rooms and its active recordings, and send every
// room without a room-composite recording to Recorder::ensure_recording. This covers webhooks
// LiveKit dropped, rooms started while the recorder was down, and recorders started after the
// rooms. The first pass runs right after start().
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <vector>

#include "livekit/twirp_client.hpp"
#include "livekit/webhook.hpp"
#include "recorder/recorder.hpp"

namespace ar::recorder {

class Reconciler {
 public:
  Reconciler(Recorder& recorder, livekit::TwirpClient& api, std::chrono::milliseconds interval);

  void start();
  void stop();

 private:
  void schedule(std::chrono::milliseconds delay);
  void pass();
  void compare(std::vector<livekit::Room> rooms);
  void pass_failed(std::string_view call, const livekit::TwirpReply& reply);

  Recorder& recorder_;
  livekit::TwirpClient& api_;
  std::chrono::milliseconds interval_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace ar::recorder
