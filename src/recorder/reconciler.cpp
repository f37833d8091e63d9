#include "recorder/reconciler.hpp"

#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::recorder {

Reconciler::Reconciler(Recorder& recorder, livekit::EgressApi& api, util::Timers& timers,
                       std::chrono::milliseconds interval, coordination::ClaimStore* claims)
    : recorder_(recorder), api_(api), timers_(timers), interval_(interval), claims_(claims) {}

void Reconciler::start() {
  if (interval_.count() == 0) {
    log::info(
        "reconciler off (reconcile_interval is 0): rooms whose webhook is lost stay "
        "unrecorded");
    return;
  }
  if (claims_ == nullptr) {
    role_ = Role::kLeader;
    schedule(std::chrono::milliseconds(0));
    return;
  }
  ask_for_lease();
}

void Reconciler::stop() {
  const std::lock_guard lock(timers_mutex_);
  if (stopped_.exchange(true)) return;
  // Handing the lease back lets another replica take over now rather than at its expiry.
  if (claims_ != nullptr && role_ == Role::kLeader) claims_->resign();
  for (auto* timer : {&pass_timer_, &lease_timer_}) {
    if (*timer) timers_.cancel(**timer);
    timer->reset();
  }
}

// Every lease period.
void Reconciler::ask_for_lease() {
  if (stopped_) return;
  claims_->lease([this](const coordination::LeaseAnswer& answer) { on_lease(answer); });
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
    const std::string& me = claims_->replica_id();
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
  const std::lock_guard lock(timers_mutex_);
  if (stopped_) return;
  lease_timer_ = timers_.after(claims_->lease_period(), [this] { ask_for_lease(); });
}

void Reconciler::schedule(std::chrono::milliseconds delay) {
  const std::lock_guard lock(timers_mutex_);
  if (stopped_) return;
  // A new holder's pass replaces the one waiting.
  if (pass_timer_) timers_.cancel(*pass_timer_);
  pass_timer_ = timers_.after(delay, [this] {
    if (!stopped_ && leading()) pass();
  });
}

// A failed call or an answer that does not parse ends this pass; the next one comes as usual.
void Reconciler::pass_failed(std::string_view call, const livekit::ApiError& error) {
  log::warn("reconcile pass failed",
            {{"call", call}, {"code", error.code}, {"error", error.message}});
  metrics::reconcile_pass(false, 0);
  schedule(interval_);
}

// Both lists are read as they arrive, keeping only what a pass compares: the names of rooms being
// recorded, then the rooms not among them (none, in the steady state). See docs/performance.md,
// 30 000 rooms. Egresses come first so that a room need not be kept unless it is unrecorded; a
// room whose recording starts between the two calls is caught by the start's own ListEgress check.
void Reconciler::pass() {
  auto recorded = std::make_shared<std::unordered_set<std::string>>();
  api_.each_active_egress(
      [recorded](livekit::EgressInfo&& egress) {
        if (egress.records_room && livekit::is_active(egress.status)) {
          recorded->insert(std::move(egress.room_name));
        }
      },
      [this, recorded](const livekit::ApiError* error) {
        if (error != nullptr) return pass_failed("ListEgress", *error);
        compare(recorded);
      });
}

void Reconciler::compare(const std::shared_ptr<const std::unordered_set<std::string>>& recorded) {
  struct Listed {
    std::size_t rooms = 0;
    std::vector<livekit::Room> unrecorded;
  };
  auto listed = std::make_shared<Listed>();
  api_.each_room(
      [listed, recorded](livekit::Room&& room) {
        ++listed->rooms;
        if (!recorded->contains(room.name)) listed->unrecorded.push_back(std::move(room));
      },
      [this, listed](const livekit::ApiError* error) {
        if (error != nullptr) return pass_failed("ListRooms", *error);
        summarize(listed->rooms, listed->unrecorded);
        if (listed->rooms >= kLargePass) recorder_.release_memory_soon();
        schedule(interval_);
      });
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
