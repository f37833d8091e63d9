#include "recorder/reconciler.hpp"

#include <boost/asio/post.hpp>
#include <memory>
#include <unordered_set>

#include "livekit/egress.hpp"
#include "livekit/egress_info.hpp"
#include "livekit/list_reader.hpp"
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
  log::warn("reconcile pass failed",
            {{"call", call}, {"code", reply.code}, {"error", reply.message}});
  metrics::reconcile_pass(false, 0);
  schedule(interval_);
}

// Both lists are read as they arrive, keeping only what a pass compares: the names of rooms being
// recorded, then the rooms not among them (none, in the steady state). See docs/performance.md,
// 30 000 rooms. Egresses come first so that a room need not be kept unless it is unrecorded; a
// room whose recording starts between the two calls is caught by the start's own ListEgress check.
void Reconciler::pass() {
  auto recorded = std::make_shared<std::unordered_set<std::string>>();
  api_.call(
      livekit::kListEgress, livekit::list_egress_request("", true), {.room_record = true},
      [this, recorded](const livekit::TwirpReply& reply) {
        if (!reply.ok()) return pass_failed("ListEgress", reply);
        compare(recorded);
      },
      livekit::egress_list_reader([recorded](livekit::EgressInfo&& egress) {
        if (egress.records_room && livekit::is_active(egress.status)) {
          recorded->insert(std::move(egress.room_name));
        }
      }));
}

void Reconciler::compare(const std::shared_ptr<const std::unordered_set<std::string>>& recorded) {
  struct Listed {
    std::size_t rooms = 0;
    std::vector<livekit::Room> unrecorded;
  };
  auto listed = std::make_shared<Listed>();
  api_.call(
      livekit::kListRooms, livekit::list_rooms_request({}), {.room_list = true},
      [this, listed](const livekit::TwirpReply& reply) {
        if (!reply.ok()) return pass_failed("ListRooms", reply);
        summarize(listed->rooms, listed->unrecorded);
        if (listed->rooms >= kLargePass) recorder_.release_memory_soon();
        schedule(interval_);
      },
      livekit::room_list_reader([listed, recorded](livekit::Room&& room) {
        ++listed->rooms;
        if (!recorded->contains(room.name)) listed->unrecorded.push_back(std::move(room));
      }));
}

// Every room without a recording goes to the recorder; what came of them is one line per pass.
void Reconciler::summarize(std::size_t rooms, const std::vector<livekit::Room>& unrecorded) {
  std::size_t starting = 0;  // sent to start (or already starting)
  std::size_t deferred = 0;  // the pending queue was full: the next pass tries again
  std::size_t skipped = 0;   // the policy does not record them
  std::size_t stopped = 0;   // their recording was stopped on purpose
  for (const livekit::Room& room : unrecorded) {
    if (stopped_) break;
    switch (recorder_.ensure_recording(room, Origin::kReconciler)) {
      case Verdict::kSkipped:
        ++skipped;
        break;
      case Verdict::kStopped:
        ++stopped;
        break;
      case Verdict::kBusy:
        ++deferred;
        break;
      default:
        ++starting;
    }
  }
  // Named strings: log fields are views and must outlive the call.
  const std::string total = std::to_string(rooms);
  const std::string recorded_count = std::to_string(rooms - unrecorded.size());
  const std::string starting_count = std::to_string(starting);
  const std::string deferred_count = std::to_string(deferred);
  const std::string skipped_count = std::to_string(skipped);
  const std::string stopped_count = std::to_string(stopped);
  const log::Fields fields = {{"rooms", total},
                              {"recorded", recorded_count},
                              {"starting", starting_count},
                              {"deferred", deferred_count},
                              {"skipped_by_policy", skipped_count},
                              {"stopped_on_purpose", stopped_count}};
  metrics::reconcile_pass(true, starting + deferred);
  if (deferred > 0) {
    log::warn(
        "reconcile pass: more rooms without a recording than max_pending_starts; the rest "
        "wait for the next pass",
        fields);
  } else if (starting > 0) {
    log::info("reconcile pass: found rooms without a recording", fields);
  } else {
    log::debug("reconcile pass: every room is recorded", fields);
  }
}

}  // namespace ar::recorder
