#include "recorder/recorder.hpp"

#include "livekit/egress.hpp"
#include "telemetry/log.hpp"

namespace ar::recorder {

Recorder::Recorder(const config::Config& config, livekit::TwirpClient& api)
    : recording_(config.recording), storage_(config.storage), api_(api) {}

void Recorder::on_webhook(const livekit::WebhookEvent& event) {
  if (event.event == "room_started" && event.room) {
    ensure_recording(*event.room);
    return;
  }
  log::debug("webhook ignored", {{"event", event.event}, {"event_id", event.id}});
}

void Recorder::ensure_recording(const livekit::Room& room) {
  std::string request = livekit::room_composite_request(room.name, recording_, storage_);
  api_.call(
      livekit::kStartRoomComposite, std::move(request), {.room_record = true},
      [name = room.name, sid = room.sid](livekit::TwirpReply reply) {
        if (!reply.ok()) {
          log::error(
              "recording failed to start",
              {{"room", name}, {"room_sid", sid}, {"code", reply.code}, {"error", reply.message}});
          return;
        }
        const auto info = livekit::parse_egress_info(reply.body);
        log::info("recording started",
                  {{"room", name},
                   {"room_sid", sid},
                   {"egress_id", info ? std::string_view(info->egress_id) : "unknown"}});
      });
}

}  // namespace ar::recorder
