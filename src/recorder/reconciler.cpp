#include "recorder/reconciler.hpp"

#include <boost/asio/post.hpp>
#include <unordered_set>

#include "livekit/egress.hpp"
#include "livekit/rooms.hpp"
#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::recorder {

Reconciler::Reconciler(Recorder& recorder, livekit::TwirpClient& api,
                       std::chrono::milliseconds interval)
    : recorder_(recorder), api_(api), interval_(interval), timer_(recorder.timers()) {}

void Reconciler::start() {
  if (interval_.count() == 0) {
    log::info(
        "reconciler off (reconcile_interval is 0): rooms whose webhook is lost stay "
        "unrecorded");
    return;
  }
  schedule(std::chrono::milliseconds(0));
}

void Reconciler::stop() {
  stopped_ = true;
  boost::asio::post(recorder_.timers(), [this] { timer_.cancel(); });
}

// Timers are touched only on the timer thread; API answers arrive on another one.
void Reconciler::schedule(std::chrono::milliseconds delay) {
  boost::asio::post(recorder_.timers(), [this, delay] {
    if (stopped_) return;
    timer_.expires_after(delay);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopped_) pass();
    });
  });
}

// A failed call or an answer that does not parse ends this pass; the next one comes as usual.
void Reconciler::pass_failed(std::string_view call, const livekit::TwirpReply& reply) {
  log::warn("reconcile pass failed", {{"call", call},
                                      {"code", reply.ok() ? "internal" : reply.code},
                                      {"error", reply.ok() ? "the answer does not parse"
                                                           : std::string_view(reply.message)}});
  metrics::reconcile_pass(false, 0);
  schedule(interval_);
}

void Reconciler::pass() {
  api_.call(livekit::kListRooms, livekit::list_rooms_request({}), {.room_list = true},
            [this](const livekit::TwirpReply& reply) {
              auto rooms = reply.ok() ? livekit::parse_room_list(reply.body) : std::nullopt;
              if (!rooms) return pass_failed("ListRooms", reply);
              compare(std::move(*rooms));
            });
}

void Reconciler::compare(std::vector<livekit::Room> rooms) {
  api_.call(livekit::kListEgress, livekit::list_egress_request("", true), {.room_record = true},
            [this, rooms = std::move(rooms)](const livekit::TwirpReply& reply) {
              auto egresses = reply.ok() ? livekit::parse_egress_list(reply.body) : std::nullopt;
              if (!egresses) return pass_failed("ListEgress", reply);
              std::unordered_set<std::string> recorded;
              for (const livekit::EgressInfo& egress : *egresses) {
                if (egress.room_composite && livekit::is_active_status(egress.status)) {
                  recorded.insert(egress.room_name);
                }
              }
              std::size_t missing = 0;
              for (const livekit::Room& room : rooms) {
                if (recorded.contains(room.name) || stopped_) continue;
                ++missing;
                recorder_.ensure_recording(room, Origin::kReconciler);
              }
              // Named strings: log fields are views and must outlive the call.
              const std::string total = std::to_string(rooms.size());
              const std::string recorded_count = std::to_string(rooms.size() - missing);
              const std::string unrecorded = std::to_string(missing);
              const log::Fields fields = {
                  {"rooms", total}, {"recorded", recorded_count}, {"unrecorded", unrecorded}};
              metrics::reconcile_pass(true, missing);
              if (missing > 0) {
                log::info("reconcile pass: found rooms without a recording", fields);
              } else {
                log::debug("reconcile pass: every room is recorded", fields);
              }
              schedule(interval_);
            });
}

}  // namespace ar::recorder
