#pragma once
// The policy: which webhook events lead to a recording, and starting it. Knows policy, not wire
// formats: the LiveKit client does the talking.
#include <string>

#include "config/config.hpp"
#include "livekit/twirp_client.hpp"
#include "livekit/webhook.hpp"

namespace ar::recorder {

class Recorder {
 public:
  Recorder(const config::Config& config, livekit::TwirpClient& api);

  // A verified webhook. Never blocks: any API call it causes runs in the background.
  void on_webhook(const livekit::WebhookEvent& event);

  // The one decision point: make sure this room is being recorded.
  void ensure_recording(const livekit::Room& room);

 private:
  const config::Recording& recording_;
  const config::Storage& storage_;
  livekit::TwirpClient& api_;
};

}  // namespace ar::recorder
