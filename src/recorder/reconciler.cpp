#include "recorder/reconciler.hpp"

#include <boost/asio/post.hpp>
#include <unordered_set>

#include "livekit/egress.hpp"
#include "livekit/egress_info.hpp"
#include "livekit/rooms.hpp"
#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::recorder {

Reconciler::Reconciler(Recorder& recorder, livekit::TwirpClient& api,
                       std::chrono::milliseconds interval, coordination::Coordination* coordination)
    : recorder_(recorder),
      api_(api),
      interval_(interval),
      coordination_(coordination),
      timer_(recorder.timers()),
      lease_timer_(recorder.timers()) {}

void Reconciler::start() {
  if (interval_.count() == 0) {
    log::info(
        "reconciler off (reconcile_interval is 0): rooms whose webhook is lost stay "
        "unrecorded");
    return;
  }
  if (coordination_ == nullptr) {
    role_ = Role::kLeader;
    schedule(std::chrono::milliseconds(0));
    return;
  }
  boost::asio::post(recorder_.timers(), [this] { ask_for_lease(); });
}

void Reconciler::stop() {
  if (stopped_.exchange(true)) return;
  // Handing the lease back lets another replica take over now rather than at its expiry.
  if (coordination_ != nullptr && role_ == Role::kLeader) coordination_->resign();
  boost::asio::post(recorder_.timers(), [this] {
    timer_.cancel();
    lease_timer_.cancel();
  });
}

// On the timer thread, every lease period.
void Reconciler::ask_for_lease() {
  if (stopped_) return;
  coordination_->lease([this](const coordination::LeaseAnswer& answer) {
    boost::asio::post(recorder_.timers(), [this, answer] { on_lease(answer); });
  });
}

void Reconciler::on_lease(const coordination::LeaseAnswer& answer) {
  if (stopped_) return;
  Role role = Role::kFollower;
  if (!answer.available) {
    role = Role::kWithoutRedis;
  } else if (answer.held) {
    role = Role::kLeader;
  }
  const Role was = role_.exchange(role);
  if (role != was) {
    const std::string& me = coordination_->replica_id();
    switch (role) {
      case Role::kLeader:
        log::info("reconciler lease taken: this replica runs the reconcile passes",
                  {{"replica", me}});
        break;
      case Role::kFollower:
        log::info("reconciler lease held by another replica: this one does not reconcile",
                  {{"replica", me}, {"holder", answer.holder}});
        break;
      case Role::kWithoutRedis:
        log::warn("Redis unreachable: this replica reconciles without the lease until it returns",
                  {{"replica", me}});
        break;
    }
    // A new holder looks at once: its predecessor may have died in the middle of a pass.
    if (was == Role::kFollower) schedule(std::chrono::milliseconds(0));
  }
  lease_timer_.expires_after(coordination_->lease_period());
  lease_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ask_for_lease();
  });
}

// Timers are touched only on the timer thread; API answers arrive on another one.
void Reconciler::schedule(std::chrono::milliseconds delay) {
  boost::asio::post(recorder_.timers(), [this, delay] {
    if (stopped_) return;
    timer_.expires_after(delay);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopped_ && leading()) pass();
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
                if (egress.records_room && livekit::is_active(egress.status)) {
                  recorded.insert(egress.room_name);
                }
              }
              std::size_t missing = 0;
              std::size_t skipped = 0;  // rooms the policy does not record
              std::size_t stopped = 0;  // rooms whose recording was stopped on purpose
              for (const livekit::Room& room : rooms) {
                if (recorded.contains(room.name) || stopped_) continue;
                switch (recorder_.ensure_recording(room, Origin::kReconciler)) {
                  case Verdict::kSkipped:
                    ++skipped;
                    break;
                  case Verdict::kStopped:
                    ++stopped;
                    break;
                  default:
                    ++missing;
                }
              }
              // Named strings: log fields are views and must outlive the call.
              const std::string total = std::to_string(rooms.size());
              const std::string recorded_count =
                  std::to_string(rooms.size() - missing - skipped - stopped);
              const std::string unrecorded = std::to_string(missing);
              const std::string not_recorded = std::to_string(skipped);
              const std::string stopped_count = std::to_string(stopped);
              const log::Fields fields = {{"rooms", total},
                                          {"recorded", recorded_count},
                                          {"unrecorded", unrecorded},
                                          {"skipped_by_policy", not_recorded},
                                          {"stopped_on_purpose", stopped_count}};
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
