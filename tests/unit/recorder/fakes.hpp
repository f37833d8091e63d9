#pragma once
// What the recorder and the reconciler talk to, answered by hand: a LiveKit that keeps rooms and
// egresses in memory, a shared claim store for several replicas, and a clock that moves only
// when the test says so. Nothing answers inside a call: answers wait in a queue until settle(),
// as they wait for another thread in the service, and a test can look in between.
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coordination/claim_store.hpp"
#include "livekit/egress_api.hpp"
#include "recorder/answers.hpp"
#include "recorder/memory_ledger.hpp"
#include "util/timers.hpp"

namespace ar::testing {

using std::chrono::milliseconds;

class ManualTimers final : public util::Timers {
 public:
  Clock::time_point now() const override { return now_; }
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 56)) +
           (now_ - Clock::time_point());
  }
  Id after(milliseconds delay, std::function<void()> fn) override {
    const Id id = next_id_++;
    due_.emplace(id, Timer{now_ + delay, std::move(fn)});
    return id;
  }
  void cancel(Id id) override { due_.erase(id); }

  // Moves the clock forward, running every timer that falls due on the way, earliest first.
  void advance(milliseconds by) {
    const auto until = now_ + by;
    for (;;) {
      auto next = due_.end();
      for (auto it = due_.begin(); it != due_.end(); ++it) {
        if (it->second.at <= until && (next == due_.end() || it->second.at < next->second.at)) {
          next = it;
        }
      }
      if (next == due_.end()) break;
      now_ = std::max(now_, next->second.at);
      auto fn = std::move(next->second.fn);
      due_.erase(next);
      fn();
    }
    now_ = until;
  }
  std::size_t waiting() const { return due_.size(); }
  // Forgets every timer: the process they belonged to is gone.
  void clear() { due_.clear(); }

 private:
  struct Timer {
    Clock::time_point at;
    std::function<void()> fn;
  };
  Clock::time_point now_{std::chrono::hours(1000)};
  Id next_id_ = 1;
  std::map<Id, Timer> due_;
};

// LiveKit's rooms and egresses. A start creates an active room-composite egress. With a clock
// (use_clock), rooms and egresses carry times as LiveKit's do, and an egress that completes
// reports its file's location, size and duration.
class FakeLiveKit final : public livekit::EgressApi {
 public:
  explicit FakeLiveKit(Answers& answers) : answers_(answers) {}

  void use_clock(const util::Timers& clock) { clock_ = &clock; }
  std::int64_t now_ms() const {
    if (clock_ == nullptr) return 0;
    return clock_->wall_ms();
  }

  livekit::Room& add_room(const std::string& name, const std::string& sid = "") {
    rooms_.push_back({sid.empty() ? "RM_" + name : sid, name, "", now_ms()});
    return rooms_.back();
  }
  void remove_room(const std::string& name) {
    std::erase_if(rooms_, [&](const livekit::Room& r) { return r.name == name; });
  }
  // The room closes, as LiveKit closes it: gone from ListRooms, and its recordings end with it
  // (`status`: EGRESS_COMPLETE, or one that fails as the room closes).
  void close_room(const std::string& name,
                  model::EgressStatus status = model::EgressStatus::kComplete) {
    const std::string sid = sid_of(name);
    remove_room(name);
    for (auto& egress : egresses_) {
      if (egress.room_id == sid && model::is_active(egress.status)) {
        end(egress.egress_id, status);
      }
    }
  }
  // An egress someone else started (the application, another recorder, StartEgress).
  livekit::EgressInfo& add_egress(const std::string& room_name, model::EgressStatus status,
                                  bool records_room = true) {
    livekit::EgressInfo egress;
    egress.egress_id = "EG_" + std::to_string(++egress_count_);
    egress.room_name = room_name;
    egress.room_id = sid_of(room_name);
    egress.status = status;
    egress.kind =
        records_room ? model::RecordingKind::kRoomComposite : model::RecordingKind::kTrack;
    egress.writes_files = true;  // a file output, as the recorder's requests have
    egress.results.started_at_ns = now_ms() * 1'000'000;
    egresses_.push_back(egress);
    return egresses_.back();
  }
  // Ends an egress as egress_ended would report it.
  livekit::EgressInfo end(const std::string& egress_id, model::EgressStatus status) {
    for (auto& egress : egresses_) {
      if (egress.egress_id == egress_id) {
        egress.status = status;
        egress.results.ended_at_ns = now_ms() * 1'000'000;
        if (status == model::EgressStatus::kComplete && !egress.results.files.empty()) {
          auto& file = egress.results.files.front();
          file.location = "s3://recordings/" + file.filename;
          file.size = 1000 + static_cast<std::int64_t>(egress_id.size());
          file.duration_ns = egress.results.ended_at_ns - egress.results.started_at_ns;
        }
        if (model::is_failure(status)) egress.error = "pipeline failed (test)";
        return egress;
      }
    }
    return {};
  }
  // The egress as LiveKit lists it now.
  livekit::EgressInfo egress(const std::string& egress_id) const {
    for (const auto& egress : egresses_) {
      if (egress.egress_id == egress_id) return egress;
    }
    return {};
  }
  void set_status(const std::string& egress_id, model::EgressStatus status) {
    for (auto& egress : egresses_) {
      if (egress.egress_id == egress_id) egress.status = status;
    }
  }
  // LiveKit forgets every ended egress (its sweeper, about 24 h after they ended).
  void forget_ended_egresses() {
    std::erase_if(egresses_,
                  [](const livekit::EgressInfo& e) { return !model::is_active(e.status); });
  }

  // The next calls of `method` ("ListEgress", "Start", "ListRooms") fail with these codes.
  void fail_next(const std::string& method, std::vector<std::string> codes) {
    for (auto& code : codes) failures_[method].push_back(std::move(code));
  }
  // The next start works, but its answer is lost: a connection_error comes back.
  void lose_next_start_answer() { lose_start_answer_ = true; }
  // A start for a room that is not listed answers not_found, as LiveKit's does.
  bool require_rooms = false;

  // Recordings of the room (room composites) that are starting, active or ending.
  std::size_t active_recordings(const std::string& room_name) const {
    std::size_t n = 0;
    for (const auto& e : egresses_) {
      n += e.room_name == room_name && e.records_room() && model::is_active(e.status) ? 1 : 0;
    }
    return n;
  }
  // Calls made, by method, e.g. calls("Start").
  std::size_t calls(const std::string& method) const {
    std::size_t n = 0;
    for (const auto& call : log_) n += call == method ? 1 : 0;
    return n;
  }
  std::size_t starts_for(const std::string& room_name) const {
    auto it = starts_.find(room_name);
    return it == starts_.end() ? 0 : it->second;
  }
  const std::vector<livekit::EgressInfo>& egresses() const { return egresses_; }

  void room_egresses(std::string_view room_name, EgressesDone done) override {
    log_.emplace_back("ListEgress");
    answers_.push([this, name = std::string(room_name), done = std::move(done)] {
      if (auto error = failure("ListEgress")) return done(&*error, {});
      std::vector<livekit::EgressInfo> out;
      for (const auto& e : egresses_) {
        if (e.room_name == name) out.push_back(e);
      }
      done(nullptr, out);
    });
  }
  void start_recording(std::string_view room_name, const recording::Plan& /*recording*/,
                       StartDone done) override {
    log_.emplace_back("Start");
    ++starts_[std::string(room_name)];
    answers_.push([this, name = std::string(room_name), done = std::move(done)] {
      if (auto error = failure("Start")) return done(&*error, "");
      if (require_rooms && sid_of(name).empty()) {
        const livekit::ApiError gone{"not_found", "requested room does not exist", 404, {}};
        return done(&gone, "");
      }
      livekit::EgressInfo& started = add_egress(name, model::EgressStatus::kStarting);
      started.results.started_at_ns = now_ms() * 1'000'000;
      started.results.files.push_back({name + ".mp4", "", 0, 0});
      answer_start(started.egress_id, done);
    });
  }
  // Logged "StartSubject"; an active participant or track egress of the room, as LiveKit's.
  void start_subject(std::string_view room_name, const recording::Plan& /*recording*/,
                     const livekit::Subject& subject, StartDone done) override {
    log_.emplace_back("StartSubject");
    ++starts_[subject.sid];
    answers_.push([this, name = std::string(room_name), subject, done = std::move(done)] {
      if (auto error = failure("StartSubject")) return done(&*error, "");
      livekit::EgressInfo& started = add_egress(name, model::EgressStatus::kStarting);
      started.kind = subject.kind;
      started.subject = subject.named();
      started.results.files.push_back({subject.sid + ".mp4", "", 0, 0});
      answer_start(started.egress_id, done);
    });
  }
  // Who is in a room now, for ListParticipants (logged "ListParticipants").
  std::map<std::string, std::vector<livekit::Participant>> participants_in;
  void participants(std::string_view room_name, ParticipantsDone done) override {
    log_.emplace_back("ListParticipants");
    answers_.push([this, name = std::string(room_name), done = std::move(done)] {
      if (auto error = failure("ListParticipants")) return done(&*error, {});
      done(nullptr, participants_in[name]);
    });
  }
  // Logged "Stop <egress id>"; the egress ends EGRESS_COMPLETE, as StopEgress ends it, or
  // EGRESS_ABORTED when it was still starting (egress: "stopped before started").
  void stop_recording(std::string_view egress_id, Done done) override {
    log_.push_back("Stop " + std::string(egress_id));
    answers_.push([this, id = std::string(egress_id), done = std::move(done)] {
      if (auto error = failure("Stop")) return done(&*error);
      const bool starting = egress(id).status == model::EgressStatus::kStarting;
      end(id, starting ? model::EgressStatus::kAborted : model::EgressStatus::kComplete);
      done(nullptr);
    });
  }
  void rooms(std::vector<std::string> names, RoomsDone done) override {
    log_.emplace_back("ListRooms");
    answers_.push([this, names = std::move(names), done = std::move(done)] {
      if (auto error = failure("ListRooms")) return done(&*error, {});
      std::vector<livekit::Room> out;
      for (const auto& room : rooms_) {
        if (names.empty() || std::find(names.begin(), names.end(), room.name) != names.end()) {
          out.push_back(room);
        }
      }
      done(nullptr, out);
    });
  }
  // Logged "ListEgress active" or "ListEgress all".
  void each_egress(bool active_only, std::function<void(livekit::EgressInfo&&)> each,
                   Done done) override {
    const std::string call = active_only ? "ListEgress active" : "ListEgress all";
    log_.push_back(call);
    answers_.push([this, call, active_only, each = std::move(each), done = std::move(done)] {
      if (auto error = failure(call)) return done(&*error);
      for (auto egress : egresses_) {
        if (!active_only || model::is_active(egress.status)) each(std::move(egress));
      }
      done(nullptr);
    });
  }
  void each_room(std::function<void(livekit::Room&&)> each, Done done) override {
    log_.emplace_back("ListRooms all");
    answers_.push([this, each = std::move(each), done = std::move(done)] {
      if (auto error = failure("ListRooms all")) return done(&*error);
      for (auto room : rooms_) each(std::move(room));
      done(nullptr);
    });
  }

 private:
  // A start that worked: its answer, unless lose_next_start_answer() asked to lose it.
  void answer_start(const std::string& egress_id, const StartDone& done) {
    if (lose_start_answer_) {
      lose_start_answer_ = false;
      const livekit::ApiError lost{"connection_error", "connection reset", 0, {}};
      return done(&lost, "");
    }
    done(nullptr, egress_id);
  }
  std::string sid_of(const std::string& room_name) const {
    for (const auto& room : rooms_) {
      if (room.name == room_name) return room.sid;
    }
    return "";
  }
  std::optional<livekit::ApiError> failure(const std::string& method) {
    auto& queue = failures_[method];
    if (queue.empty()) return std::nullopt;
    std::string code = queue.front();
    queue.pop_front();
    const unsigned status = code.starts_with("http_") ? std::stoul(code.substr(5)) : 0;
    return livekit::ApiError{code, "injected by the test", status, {}};
  }

  Answers& answers_;
  const util::Timers* clock_ = nullptr;
  std::vector<livekit::Room> rooms_;
  std::vector<livekit::EgressInfo> egresses_;
  std::size_t egress_count_ = 0;
  std::map<std::string, std::deque<std::string>> failures_;
  bool lose_start_answer_ = false;
  std::vector<std::string> log_;
  std::map<std::string, std::size_t> starts_;
};

// What Redis holds for several replicas: one per test, shared by their FakeClaims.
struct ClaimTable {
  std::map<std::string, std::string> claims;  // room sid (or name) -> holder
  std::set<std::string> events;               // webhook event ids handled
  std::optional<std::string> lease;           // the replica holding the reconciler lease
  bool available = true;                      // false: Redis unreachable
};

class FakeClaims final : public coordination::ClaimStore {
 public:
  FakeClaims(std::string replica, ClaimTable& table, Answers& answers)
      : replica_(std::move(replica)), table_(table), answers_(answers) {}

  const std::string& replica_id() const override { return replica_; }
  void claim(coordination::ClaimKey room, std::string_view event_id,
             std::string_view replaces_egress,
             std::function<void(const coordination::ClaimAnswer&)> done) override {
    answers_.push([this, key = key_of(room), event = std::string(event_id),
                   replaces = std::string(replaces_egress), done = std::move(done)] {
      using coordination::Claim;
      if (!table_.available) return done({Claim::kUnavailable, "injected: Redis down"});
      // As the Lua script: the event is marked handled whatever becomes of the claim.
      if (!event.empty() && !table_.events.insert(event).second) {
        return done({Claim::kDuplicateEvent, "another replica"});
      }
      auto it = table_.claims.find(key);
      if (it != table_.claims.end() && it->second != replica_ &&
          (replaces.empty() || it->second != "egress:" + replaces)) {
        return done({Claim::kTaken, it->second});
      }
      table_.claims[key] = replica_;
      done({Claim::kWon, replica_});
    });
  }
  void renew(coordination::ClaimKey /*room*/, milliseconds /*wait*/) override { ++renewals; }
  // Only this replica's own claim changes, as the update script checks its holder.
  void started(coordination::ClaimKey room, std::string_view egress_id) override {
    if (auto it = table_.claims.find(key_of(room));
        it != table_.claims.end() && it->second == replica_) {
      it->second = "egress:" + std::string(egress_id);
    }
  }
  void release(coordination::ClaimKey room) override {
    ++releases;
    if (auto it = table_.claims.find(key_of(room));
        it != table_.claims.end() && it->second == replica_) {
      table_.claims.erase(it);
    }
  }
  void lease(std::function<void(const coordination::LeaseAnswer&)> done) override {
    answers_.push([this, done = std::move(done)] {
      if (!table_.available) return done({false, false, ""});
      if (!table_.lease) table_.lease = replica_;
      done({true, *table_.lease == replica_, *table_.lease});
    });
  }
  void resign() override {
    if (table_.lease == replica_) table_.lease.reset();
  }
  milliseconds lease_period() const override { return milliseconds(3000); }

  std::size_t renewals = 0;
  std::size_t releases = 0;

 private:
  static std::string key_of(coordination::ClaimKey room) {
    return std::string(room.sid.empty() ? room.name : room.sid);
  }

  std::string replica_;
  ClaimTable& table_;
  Answers& answers_;
};

// Runs the answers waiting, moves the clock `within` forward, and runs what that caused,
// including timers it set for now (a new lease holder's pass), until nothing is left to do now.
inline void settle(Answers& answers, ManualTimers& timers, milliseconds within) {
  answers.settle();
  timers.advance(within);
  while (answers.settle() > 0) timers.advance(milliseconds(0));
}

}  // namespace ar::testing
