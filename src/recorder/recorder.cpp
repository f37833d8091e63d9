#include "recorder/recorder.hpp"

#include <malloc.h>

#include <boost/asio/post.hpp>
#include <random>

#include "config/duration.hpp"
#include "livekit/list_reader.hpp"
#include "livekit/rooms.hpp"
#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::recorder {
namespace {

using std::chrono::hours;

std::string key(std::string_view kind, std::string_view id) {
  std::string out(kind);
  out += id;
  return out;
}

}  // namespace

std::string_view to_string(Origin origin) {
  switch (origin) {
    case Origin::kWebhook:
      return "webhook";
    case Origin::kReconciler:
      return "reconciler";
    case Origin::kRestart:
      return "restart";
  }
  return "webhook";
}

Recorder::Recorder(const config::Config& config, livekit::TwirpClient& api,
                   coordination::Coordination* coordination)
    : policy_(config),
      storages_{config.storage, config.storages},
      delivery_(config.delivery),
      api_(api),
      coordination_(coordination),
      seen_(config.delivery.dedupe_ttl, config.delivery.dedupe_capacity),
      backoff_(config.delivery.retry_initial_delay, config.delivery.retry_max_delay,
               std::random_device{}()),
      timers_work_(timers_.get_executor()),
      trim_timer_(timers_),
      timer_thread_([this] { timers_.run(); }) {}

Recorder::~Recorder() {
  stop_timers();
}

void Recorder::stop_timers() {
  timers_work_.reset();
  timers_.stop();
  if (timer_thread_.joinable()) timer_thread_.join();
}

std::size_t Recorder::pending() const {
  const std::lock_guard lock(mutex_);
  return attempts_.size();
}

void Recorder::shut_down() {
  const std::lock_guard lock(mutex_);
  shutting_down_ = true;
  std::size_t abandoned = 0;
  for (auto& [name, attempt] : attempts_) {
    if (!attempt.retry_timer) continue;
    ++abandoned;
    cancel_retry(attempt);
    // Released, so the replica running the reconciler may take the room at once.
    if (attempt.claimed) coordination_->release({attempt.room.name, attempt.room.sid});
    attempt.claimed = false;
  }
  if (abandoned > 0) {
    log::warn("shutting down: rooms waiting to retry are left to the reconciler of the next start",
              {{"rooms", std::to_string(abandoned)}});
  }
}

Verdict Recorder::on_webhook(const livekit::WebhookEvent& event) {
  // Most webhooks (participants, tracks, ingress) change nothing here: no lock, and no entry in
  // the dedupe memory, where their ids would push out the room sids that matter.
  const bool acted_on = (event.event == "room_started" || event.event == "room_finished" ||
                         event.event == "egress_ended");
  if (!acted_on) {
    log::debug("webhook ignored", {{"event", event.event}, {"event_id", event.id}});
    return Verdict::kAccepted;
  }
  const auto now = SteadyClock::now();
  const std::lock_guard lock(mutex_);
  if (!event.id.empty() && seen_.contains(key("ev:", event.id), now)) {
    log::info("skipped: duplicate webhook", {{"event", event.event}, {"event_id", event.id}});
    metrics::recording_skipped("duplicate_event");
    return Verdict::kDuplicate;
  }

  Verdict verdict = Verdict::kAccepted;
  if (event.event == "room_started" && event.room) {
    const livekit::Room& room = *event.room;
    if (!room.sid.empty() && seen_.contains(key("sid:", room.sid), now)) {
      log::info("skipped: room_started already handled for this room",
                {{"room", room.name}, {"room_sid", room.sid}, {"event_id", event.id}});
      metrics::recording_skipped("duplicate_room");
      verdict = Verdict::kDuplicate;
    } else {
      verdict = ensure_locked(room, Origin::kWebhook, event.id);
      const bool decided = verdict == Verdict::kAccepted || verdict == Verdict::kSkipped ||
                           verdict == Verdict::kStopped;
      if (decided && !room.sid.empty()) seen_.insert(key("sid:", room.sid), now);
    }
  } else if (event.event == "room_finished" && event.room) {
    const livekit::Room& room = *event.room;
    if (!room.sid.empty()) seen_.insert(key("fin:", room.sid), now);
    if (auto it = attempts_.find(room.name);
        it != attempts_.end() &&
        (room.sid.empty() || it->second.room.sid == room.sid || it->second.room.sid.empty())) {
      cancel_retry(it->second);
      log::info("room finished before its recording started: stopped trying",
                {{"room", room.name}, {"room_sid", room.sid}});
      finish(room.name);
    }
    history_.erase(room.name);
  } else if (event.event == "egress_ended" && event.egress) {
    on_recording_ended(*event.egress);
  } else if (event.event == "egress_ended") {
    log::debug("egress_ended without an egress id: nothing to act on", {{"event_id", event.id}});
  } else {
    log::debug("webhook ignored", {{"event", event.event}, {"event_id", event.id}});
  }
  // A 503 must not mark the event seen: LiveKit's retry of it has to get through.
  const bool handled = verdict == Verdict::kAccepted || verdict == Verdict::kDuplicate ||
                       verdict == Verdict::kSkipped || verdict == Verdict::kStopped;
  if (handled && !event.id.empty()) seen_.insert(key("ev:", event.id), now);
  return verdict;
}

Verdict Recorder::ensure_recording(const livekit::Room& room, Origin origin) {
  const std::lock_guard lock(mutex_);
  return ensure_locked(room, origin);
}

Recorder::History* Recorder::prune_history(const std::string& room_name,
                                           SteadyClock::time_point now) {
  auto it = history_.find(room_name);
  if (it == history_.end()) return nullptr;
  History& h = it->second;
  for (auto* times : {&h.failures, &h.restarts}) {
    while (!times->empty() && times->front() + hours(1) <= now) times->pop_front();
  }
  if (h.failures.empty() && h.restarts.empty()) {
    history_.erase(it);
    return nullptr;
  }
  return &h;
}

Verdict Recorder::ensure_locked(const livekit::Room& room, Origin origin, std::string_view event_id,
                                std::string_view replaces_egress) {
  const auto now = SteadyClock::now();
  const std::string_view from = to_string(origin);
  if (!room.sid.empty() && seen_.contains(key("fin:", room.sid), now)) {
    log::info("skipped: room already finished",
              {{"room", room.name}, {"room_sid", room.sid}, {"origin", from}});
    metrics::recording_skipped("room_finished");
    return Verdict::kAccepted;
  }
  if (!room.sid.empty() && stopped_.contains(room.sid)) {
    report_stop(room, from, now);
    return Verdict::kStopped;
  }
  Choice choice;
  if (!chosen_by_policy(room, from, now, choice)) return Verdict::kSkipped;
  if (shutting_down_) return Verdict::kShuttingDown;
  if (attempts_.contains(room.name)) {
    log::debug("skipped: a start for this room is already under way",
               {{"room", room.name}, {"origin", from}});
    return Verdict::kAccepted;
  }
  // After a recording failed mid-room, every new start is a restart, whoever asks for it.
  History* history = prune_history(room.name, now);
  const bool is_restart = history != nullptr && !history->failures.empty();
  if (is_restart && history->restarts.size() >= delivery_.max_restarts_per_hour) {
    if (!history->limit_reported) {
      history->limit_reported = true;
      log::error("not restarted: restart limit reached for this room",
                 {{"room", room.name},
                  {"room_sid", room.sid},
                  {"restarts_last_hour", std::to_string(history->restarts.size())},
                  {"origin", from}});
    }
    metrics::recording_skipped("restart_limit");
    return Verdict::kAccepted;
  }
  if (attempts_.size() >= delivery_.max_pending_starts) {
    // A webhook answered 503 is worth a line each; the reconciler counts its deferred rooms in
    // one line per pass (30 000 rooms made 20 000 lines a pass).
    if (origin != Origin::kReconciler) {
      log::warn("busy: too many rooms waiting to start, answering 503",
                {{"room", room.name}, {"pending", std::to_string(attempts_.size())}});
    }
    return Verdict::kBusy;
  }
  if (is_restart) history->restarts.push_back(now);

  Attempt& attempt = attempts_[room.name];
  most_pending_ = std::max(most_pending_, attempts_.size());
  attempt.id = next_attempt_id_++;
  attempt.room = room;
  attempt.origin = origin;
  attempt.recording = choice.recording;
  attempt.rule = choice.rule;
  attempt.first_try = now;
  attempt.event_id = event_id;
  attempt.replaces_egress = replaces_egress;
  if (coordination_ != nullptr) {
    claim_then_check(room.name, attempt.id);
  } else {
    log::debug("checking for an active recording", {{"room", room.name}, {"origin", from}});
    check_then_start(room.name, attempt.id);
  }
  return Verdict::kAccepted;
}

bool Recorder::chosen_by_policy(const livekit::Room& room, std::string_view origin,
                                SteadyClock::time_point now, Choice& choice) {
  choice = policy_.choose(room);
  const std::string& id = room.sid.empty() ? room.name : room.sid;
  if (choice.metadata_unparsable && !seen_.contains(key("meta:", id), now)) {
    seen_.insert(key("meta:", id), now);
    log::warn("room metadata is not a JSON object: rules that test metadata do not fit this room",
              {{"room", room.name}, {"room_sid", room.sid}, {"rule", choice.rule}});
  }
  if (choice.recording != nullptr) return true;
  // The reconciler meets a skipped room on every pass: say it once.
  if (!seen_.contains(key("skip:", id), now)) {
    seen_.insert(key("skip:", id), now);
    log::info(
        "skipped: the recording policy says not to record this room",
        {{"room", room.name}, {"room_sid", room.sid}, {"rule", choice.rule}, {"origin", origin}});
    metrics::recording_skipped("rule");
  }
  return false;
}

void Recorder::note_stop(const std::string& room_sid, const std::string& egress_id) {
  if (delivery_.restart_stopped_recordings || room_sid.empty()) return;
  // Stops are rare; the memory of them is bounded like the dedupe memory.
  if (stopped_.size() >= delivery_.dedupe_capacity) stopped_.erase(stopped_.begin());
  stopped_.try_emplace(room_sid, egress_id);
}

void Recorder::report_stop(const livekit::Room& room, std::string_view origin,
                           SteadyClock::time_point now) {
  if (seen_.contains(key("stop:", room.sid), now)) return;
  seen_.insert(key("stop:", room.sid), now);
  log::info("not restarted: recording stopped on purpose", {{"room", room.name},
                                                            {"room_sid", room.sid},
                                                            {"egress_id", stopped_.at(room.sid)},
                                                            {"origin", origin}});
  metrics::recording_skipped("stopped_on_purpose");
}

void Recorder::finish(const std::string& room_name, std::string_view egress_id) {
  auto it = attempts_.find(room_name);
  if (it == attempts_.end()) return;
  const Attempt& attempt = it->second;
  if (attempt.claimed) {
    const coordination::RoomRef room{attempt.room.name, attempt.room.sid};
    if (egress_id.empty()) {
      coordination_->release(room);
    } else {
      coordination_->started(room, egress_id);
    }
  }
  attempts_.erase(it);
  if (attempts_.empty() && most_pending_ >= kManyPending) {
    most_pending_ = 0;
    release_memory_soon();
  }
}

void Recorder::release_memory_soon() {
  boost::asio::post(timers_, [this] {
    trim_timer_.expires_after(std::chrono::seconds(1));
    trim_timer_.async_wait([](boost::system::error_code ec) {
      // glibc keeps freed memory for reuse; after thousands of rooms at once that is megabytes
      // the process will not need again soon.
      if (!ec) malloc_trim(0);
    });
  });
}

// Several replicas: only the one holding the room's claim goes on to check and start.
void Recorder::claim_then_check(const std::string& room_name, std::uint64_t id) {
  const Attempt& attempt = attempts_.at(room_name);
  coordination_->claim(
      {attempt.room.name, attempt.room.sid}, attempt.event_id, attempt.replaces_egress,
      [this, room_name, id](const coordination::ClaimAnswer& answer) {
        const std::lock_guard lock(mutex_);
        Attempt* current = find_attempt(room_name, id);
        if (current == nullptr) return;  // cancelled meanwhile; an unused claim expires
        const log::Fields fields = {{"room", room_name},
                                    {"room_sid", current->room.sid},
                                    {"holder", answer.holder},
                                    {"origin", to_string(current->origin)}};
        switch (answer.claim) {
          case coordination::Claim::kWon:
            metrics::coordination_claim("won");
            current->claimed = true;
            return check_then_start(room_name, id);
          case coordination::Claim::kTaken:
            metrics::coordination_claim("taken");
            metrics::recording_skipped("claimed_elsewhere");
            log::info("skipped: another replica is starting or has started this recording", fields);
            attempts_.erase(room_name);
            return;
          case coordination::Claim::kDuplicateEvent:
            metrics::coordination_claim("duplicate_event");
            metrics::recording_skipped("duplicate_event");
            log::info("skipped: duplicate webhook, handled by another replica",
                      {{"room", room_name}, {"event_id", current->event_id}});
            attempts_.erase(room_name);
            return;
          case coordination::Claim::kUnavailable:
            metrics::coordination_claim("unavailable");
            log::debug("Redis unavailable: relying on the ListEgress check alone", fields);
            return check_then_start(room_name, id);
        }
      });
}

Recorder::Attempt* Recorder::find_attempt(const std::string& room_name, std::uint64_t id) {
  auto it = attempts_.find(room_name);
  return it != attempts_.end() && it->second.id == id ? &it->second : nullptr;
}

// Before every start (and every retry) ask LiveKit: a start that timed out may have worked,
// another replica or the application may already record the room, or someone stopped this room
// session's recording on purpose (LiveKit lists ended egresses for about 24 h, so this holds
// when the egress_ended webhook was lost, and across restarts).
void Recorder::check_then_start(const std::string& room_name, std::uint64_t id) {
  api_.call(livekit::kListEgress, livekit::list_egress_request(room_name, false),
            {.room_record = true}, [this, room_name, id](const livekit::TwirpReply& reply) {
              const std::lock_guard lock(mutex_);
              Attempt* attempt = find_attempt(room_name, id);
              if (attempt == nullptr) return;  // cancelled meanwhile (room finished)
              if (!reply.ok()) return on_failure(*attempt, reply, "ListEgress");
              const auto egresses = livekit::parse_egress_list(reply.body);
              if (!egresses) {
                livekit::TwirpReply bad = reply;
                bad.code = "internal";
                bad.message = "ListEgress answer is not a ListEgressResponse";
                return on_failure(*attempt, bad, "ListEgress");
              }
              const std::string& sid = attempt->room.sid;
              for (const livekit::EgressInfo& egress : *egresses) {
                if (egress.records_room && !sid.empty() && egress.room_id == sid &&
                    egress.status == livekit::EgressStatus::kComplete) {
                  note_stop(sid, egress.egress_id);
                }
              }
              for (const livekit::EgressInfo& egress : *egresses) {
                if (egress.records_room && egress.room_name == room_name &&
                    livekit::is_active(egress.status)) {
                  const log::Fields fields = {{"room", room_name},
                                              {"room_sid", attempt->room.sid},
                                              {"egress_id", egress.egress_id},
                                              {"status", livekit::to_string(egress.status)},
                                              {"origin", to_string(attempt->origin)}};
                  // For the reconciler this is the expected end of a race (the room's recording
                  // started after the pass listed egresses), thousands of times after an outage.
                  if (attempt->origin == Origin::kReconciler) {
                    log::debug("skipped: room is already being recorded", fields);
                  } else {
                    log::info("skipped: room is already being recorded", fields);
                  }
                  metrics::recording_skipped("already_recording");
                  finish(room_name, egress.egress_id);
                  return;
                }
              }
              if (stopped_.contains(sid)) {
                report_stop(attempt->room, to_string(attempt->origin), SteadyClock::now());
                finish(room_name);
                return;
              }
              if (attempt->claimed) coordination_->renew({attempt->room.name, attempt->room.sid});
              start(room_name, id);
            });
}

void Recorder::start(const std::string& room_name, std::uint64_t id) {
  const Attempt* asking = find_attempt(room_name, id);
  if (asking == nullptr) return;
  api_.call(livekit::kStartRoomComposite,
            livekit::room_composite_request(room_name, *asking->recording, storages_),
            {.room_record = true}, [this, room_name, id](const livekit::TwirpReply& reply) {
              const std::lock_guard lock(mutex_);
              Attempt* attempt = find_attempt(room_name, id);
              if (attempt == nullptr) return;
              if (!reply.ok()) return on_failure(*attempt, reply, "StartRoomCompositeEgress");
              const auto info = livekit::parse_egress_info(reply.body);
              log::info("recording started",
                        {{"room", room_name},
                         {"room_sid", attempt->room.sid},
                         {"egress_id", info ? std::string_view(info->egress_id) : "unknown"},
                         {"origin", to_string(attempt->origin)},
                         {"rule", attempt->rule},
                         {"retries", std::to_string(attempt->retries)}});
              metrics::recording_started(to_string(attempt->origin));
              observe_start_delay(*attempt);
              finish(room_name, info ? std::string_view(info->egress_id) : "unknown");
            });
}

// The seconds of the meeting missing from the start of its first recording (a restart's gap is
// the failure's, not the start's).
void Recorder::observe_start_delay(const Attempt& attempt) {
  if (attempt.origin == Origin::kRestart || attempt.room.created_ms <= 0) return;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // A clock behind LiveKit's makes a small negative delay: it started at once.
  const auto delay_ms = std::max<std::int64_t>(0, now_ms - attempt.room.created_ms);
  metrics::recording_start_delay(static_cast<double>(delay_ms) / 1000.0);
}

void Recorder::on_failure(Attempt& attempt, const livekit::TwirpReply& reply,
                          std::string_view call) {
  const std::string room_name = attempt.room.name;
  const log::Fields fields = {{"room", room_name},      {"room_sid", attempt.room.sid},
                              {"call", call},           {"code", reply.code},
                              {"error", reply.message}, {"origin", to_string(attempt.origin)}};
  switch (classify(reply)) {
    case Failure::kRoomGone:
      log::info("room is gone: stopped trying to record it", fields);
      metrics::recording_failed(reply.code);
      finish(room_name);
      return;
    case Failure::kPermanent:
      log::error(
          "recording not started: LiveKit refused the request, check the configuration; "
          "not retried",
          fields);
      metrics::recording_failed(reply.code);
      finish(room_name);
      return;
    case Failure::kTransient:
      break;
  }
  const auto elapsed = SteadyClock::now() - attempt.first_try;
  if (shutting_down_ || elapsed >= delivery_.retry_give_up_after) {
    log::error(shutting_down_ ? "recording not started: shutting down, left to the reconciler"
                              : "gave up starting the recording; the reconciler tries again",
               fields);
    metrics::recording_failed(reply.code);
    finish(room_name);
    return;
  }
  const auto delay = backoff_.delay(attempt.retries++);
  if (attempt.claimed) coordination_->renew({attempt.room.name, attempt.room.sid}, delay);
  metrics::recording_retried(reply.code);
  log::warn("recording not started yet: retrying", {{"room", room_name},
                                                    {"room_sid", attempt.room.sid},
                                                    {"call", call},
                                                    {"code", reply.code},
                                                    {"error", reply.message},
                                                    {"retry_in", config::format_duration(delay)},
                                                    {"retry", std::to_string(attempt.retries)}});
  attempt.retry_timer = std::make_shared<boost::asio::steady_timer>(timers_, delay);
  // Asio timers are used from one thread only: the timer thread starts, fires and cancels them.
  boost::asio::post(timers_, [this, timer = attempt.retry_timer, room_name, id = attempt.id] {
    timer->async_wait([this, room_name, id](boost::system::error_code ec) {
      if (ec) return;  // cancelled
      const std::lock_guard lock(mutex_);
      Attempt* current = find_attempt(room_name, id);
      if (current == nullptr || shutting_down_) return;
      current->retry_timer.reset();
      check_then_start(room_name, id);
    });
  });
}

void Recorder::cancel_retry(Attempt& attempt) {
  if (!attempt.retry_timer) return;
  boost::asio::post(timers_, [timer = std::move(attempt.retry_timer)] { timer->cancel(); });
}

void Recorder::on_recording_ended(const livekit::EgressInfo& egress) {
  if (egress.records_room && egress.status == livekit::EgressStatus::kComplete) {
    note_stop(egress.room_id, egress.egress_id);
  }
  if (!egress.records_room || !livekit::is_failure(egress.status)) {
    log::debug("recording ended", {{"room", egress.room_name},
                                   {"egress_id", egress.egress_id},
                                   {"status", livekit::to_string(egress.status)}});
    return;
  }
  const auto now = SteadyClock::now();
  const std::string error_code = std::to_string(egress.error_code);
  const log::Fields fields = {
      {"room", egress.room_name},      {"room_sid", egress.room_id},
      {"egress_id", egress.egress_id}, {"status", livekit::to_string(egress.status)},
      {"error", egress.error},         {"error_code", error_code}};
  const bool room_finished =
      !egress.room_id.empty() && seen_.contains(key("fin:", egress.room_id), now);
  metrics::recording_ended_badly(livekit::to_string(egress.status), room_finished);
  if (room_finished) {
    // Nothing to restart, but the file may be cut short or missing (e.g. the upload failed):
    // the operator needs to hear of it.
    log::error("recording failed after the room finished: its file may be incomplete or missing",
               fields);
    return;
  }
  history_[egress.room_name].failures.push_back(now);
  log::warn("recording failed mid-room: restarting if the room still exists", fields);
  restart_if_room_lives(egress.room_name, egress.room_id, egress.egress_id);
}

void Recorder::restart_if_room_lives(const std::string& room_name, const std::string& room_sid,
                                     const std::string& failed_egress) {
  api_.call(livekit::kListRooms, livekit::list_rooms_request({room_name}), {.room_list = true},
            [this, room_name, room_sid, failed_egress](const livekit::TwirpReply& reply) {
              const std::lock_guard lock(mutex_);
              const auto rooms = reply.ok() ? livekit::parse_room_list(reply.body) : std::nullopt;
              if (!rooms) {
                // Not knowing is not "gone": the reconciler looks again on its next pass.
                log::warn(
                    "could not check whether the room still exists; the reconciler will",
                    {{"room", room_name},
                     {"code", reply.ok() ? std::string_view("internal") : reply.code},
                     {"error", reply.ok() ? std::string_view("ListRooms answer does not parse")
                                          : std::string_view(reply.message)}});
                return;
              }
              for (const livekit::Room& room : *rooms) {
                if (room.name == room_name && (room_sid.empty() || room.sid == room_sid)) {
                  ensure_locked(room, Origin::kRestart, {}, failed_egress);
                  return;
                }
              }
              log::info("room is gone: recording not restarted",
                        {{"room", room_name}, {"room_sid", room_sid}});
            });
}

}  // namespace ar::recorder
