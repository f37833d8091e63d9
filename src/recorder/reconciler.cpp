#include "recorder/reconciler.hpp"

#include <algorithm>
#include <atomic>
#include <memory>

#include "util/text.hpp"

namespace ar::recorder {

Reconciler::Reconciler(Recorder& recorder, livekit::EgressApi& api, util::Timers& timers,
                       std::chrono::milliseconds interval, coordination::ClaimStore* claims,
                       Ledger ledger)
    : recorder_(recorder),
      api_(api),
      timers_(timers),
      interval_(interval),
      claims_(claims),
      ledger_(ledger) {}

void Reconciler::Recorded::add(const livekit::EgressInfo& egress) {
  if (egress.writes_files && !egress.room_id.empty())
    writing.push_back(util::hash_of(egress.room_id));
  if (egress.room_id.empty()) {
    names.push_back(util::hash_of(egress.room_name));
  } else {
    sids.push_back(util::hash_of(egress.room_id));
  }
}

namespace {

std::uint64_t subject_hash(std::string_view room_sid, std::string_view subject) {
  std::string key(room_sid);
  key += '\n';
  key += subject;
  return util::hash_of(key);
}

}  // namespace

void Reconciler::Recorded::add_subject(const livekit::EgressInfo& egress) {
  if (egress.subject.empty() || egress.room_id.empty()) return;
  const std::uint64_t subject = subject_hash(egress.room_id, egress.subject);
  subjects.push_back(subject);
  if (egress.writes_files) subjects_writing.emplace_back(subject, util::hash_of(egress.room_id));
}

bool Reconciler::Recorded::has_subject(const livekit::Room& room,
                                       const livekit::Subject& subject) const {
  return std::binary_search(subjects.begin(), subjects.end(),
                            subject_hash(room.sid, subject.named()));
}

void Reconciler::Recorded::sort() {
  std::sort(subjects.begin(), subjects.end());
  std::sort(sids.begin(), sids.end());
  std::sort(names.begin(), names.end());
  std::sort(writing.begin(), writing.end());
  for (std::size_t i = 1; i < writing.size(); ++i) {
    if (writing[i] == writing[i - 1] && (doubled.empty() || doubled.back() != writing[i])) {
      doubled.push_back(writing[i]);
    }
  }
  writing = {};
  // A participant or track recorded twice: its session is looked at too.
  std::sort(subjects_writing.begin(), subjects_writing.end());
  for (std::size_t i = 1; i < subjects_writing.size(); ++i) {
    if (subjects_writing[i].first == subjects_writing[i - 1].first) {
      doubled.push_back(subjects_writing[i].second);
    }
  }
  subjects_writing = {};
  std::sort(doubled.begin(), doubled.end());
  doubled.erase(std::unique(doubled.begin(), doubled.end()), doubled.end());
  std::sort(failed.begin(), failed.end(),
            [](const auto& a, const auto& b) { return a.room_id < b.room_id; });
}

std::span<const livekit::EgressInfo> Reconciler::Recorded::failures_of(
    const livekit::Room& room) const {
  if (room.sid.empty()) return {};
  const auto first = std::lower_bound(failed.begin(), failed.end(), room.sid,
                                      [](const livekit::EgressInfo& egress,
                                         const std::string& sid) { return egress.room_id < sid; });
  auto last = first;
  while (last != failed.end() && last->room_id == room.sid) ++last;
  return {first, last};
}

// By the session's sid: an egress of an earlier session of the same name, still ending, does not
// record this one.
bool Reconciler::Recorded::has(const livekit::Room& room) const {
  return (!room.sid.empty() &&
          std::binary_search(sids.begin(), sids.end(), util::hash_of(room.sid))) ||
         std::binary_search(names.begin(), names.end(), util::hash_of(room.name));
}

bool Reconciler::Recorded::has_duplicate(const livekit::Room& room) const {
  return !doubled.empty() && !room.sid.empty() &&
         std::binary_search(doubled.begin(), doubled.end(), util::hash_of(room.sid));
}

void Reconciler::start() {
  if (interval_.count() == 0) {
    recorder_.events().tell(ReconcilerOff{});
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
  for (auto* timer : {&pass_timer_, &lease_timer_, &ledger_timer_}) {
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
    recorder_.events().tell(ReconcilerRole{role, claims_->replica_id(), answer.holder});
    // A new holder looks at once: its predecessor may have died in the middle of a pass.
    if (was == Role::kFollower) schedule(std::chrono::milliseconds(0));
    // What this process saw when it last led is too old to bound a session's end.
    if (role == Role::kFollower) {
      const std::lock_guard lock(alive_mutex_);
      alive_ = {};
    }
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
  recorder_.events().tell(PassFailed{std::string(call), error.code, error.message});
  schedule(interval_);
}

// Both lists are read as they arrive, keeping only what a pass compares: the sessions being
// recorded, then the rooms not among them (none, in the steady state), and what concerns the
// sessions the ledger holds open. See docs/performance.md, 30 000 rooms. Egresses come first so
// that a room need not be kept unless it is unrecorded; a room whose recording starts between the
// two calls is caught by the start's own ListEgress check. The ledger is read first, so that
// whatever LiveKit lists is at least as new as what the ledger holds.
void Reconciler::pass() {
  if (ledger_.unsettled == nullptr) return list_egresses(nullptr);
  const std::int64_t read_ms = timers_.wall_ms();
  // The ledger's answer or kLedgerWait, whichever comes first, runs the pass: a database that
  // stopped answering (a write hangs until its TCP timeout) never holds up recording.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  {
    const std::lock_guard lock(timers_mutex_);
    if (stopped_) return;
    ledger_timer_ = timers_.after(kLedgerWait, [this, answered] {
      if (answered->exchange(true) || stopped_) return;
      recorder_.events().tell(LedgerNotCompared{true});
      list_egresses(nullptr);
    });
  }
  ledger_.unsettled->unsettled(
      [this, read_ms, answered](std::optional<ledger::Unsettled> unsettled) {
        if (answered->exchange(true) || stopped_) return;
        {
          const std::lock_guard lock(timers_mutex_);
          if (ledger_timer_) timers_.cancel(*ledger_timer_);
          ledger_timer_.reset();
        }
        if (!unsettled) {
          // Unreachable (its writer says so), or far behind a burst: compared on a later pass.
          recorder_.events().tell(LedgerNotCompared{false});
          return list_egresses(nullptr);
        }
        Convergence::Alive before;
        {
          const std::lock_guard lock(alive_mutex_);
          before = std::move(alive_);
          alive_ = {};
        }
        list_egresses(std::make_shared<Convergence>(std::move(*unsettled), before, read_ms));
      });
}

void Reconciler::list_egresses(const std::shared_ptr<Convergence>& convergence) {
  auto recorded = std::make_shared<Recorded>();
  // Participants' and tracks' recordings matter only when a rule records them.
  const bool subjects = recorder_.records_subjects();
  // Ended egresses matter only to the ledger.
  api_.each_egress(
      convergence == nullptr,
      [recorded, convergence, subjects](livekit::EgressInfo&& egress) {
        if (convergence) convergence->egress(egress);
        if (subjects && !egress.subject.empty() && model::is_active(egress.status)) {
          recorded->add_subject(egress);
        }
        if (!egress.records_room()) return;
        if (model::is_active(egress.status)) recorded->add(egress);
        if (model::is_failure(egress.status) && !egress.room_id.empty()) {
          recorded->failed.push_back(std::move(egress));
        }
      },
      [this, recorded, convergence](const livekit::ApiError* error) {
        if (error != nullptr) return pass_failed("ListEgress", *error);
        recorded->sort();
        compare(recorded, convergence);
      });
}

void Reconciler::compare(const std::shared_ptr<const Recorded>& recorded,
                         const std::shared_ptr<Convergence>& convergence) {
  struct Listed {
    std::size_t rooms = 0;
    std::vector<livekit::Room> unrecorded;
    std::vector<livekit::Room> doubled;   // recorded twice or more at once
    std::vector<livekit::Room> subjects;  // whose rule records participants or tracks
  };
  auto listed = std::make_shared<Listed>();
  // A room listed now lives after every end noted before: the evidence of a stop on purpose.
  const auto listed_at = timers_.now();
  api_.each_room(
      [this, listed, recorded, convergence](livekit::Room&& room) {
        ++listed->rooms;
        if (convergence) convergence->room(room);
        if (recorder_.records_subjects_of(room)) listed->subjects.push_back(room);
        if (recorded->has_duplicate(room)) listed->doubled.push_back(room);
        if (!recorded->has(room)) listed->unrecorded.push_back(std::move(room));
      },
      [this, listed, recorded, convergence, listed_at](const livekit::ApiError* error) {
        if (error != nullptr) return pass_failed("ListRooms", *error);
        if (convergence && !stopped_) converge(*convergence);
        summarize(listed->rooms, listed->unrecorded, *recorded, listed_at);
        for (const livekit::Room& room : listed->doubled) recorder_.check_duplicates(room);
        reconcile_subjects(listed->subjects, recorded);
        if (listed->rooms >= kLargePass) recorder_.release_memory_soon();
        schedule(interval_);
      });
}

// Recordings first, so that a session's end finds them as LiveKit has them (its final status is
// counted once); then the sessions' ends, so that a recording that failed with its room is not
// restarted; then the ends, as their webhooks would have been acted on.
void Reconciler::converge(const Convergence& convergence) {
  const std::int64_t now_ms = timers_.wall_ms();
  {
    const std::lock_guard lock(alive_mutex_);
    alive_ = convergence.alive(now_ms);
  }
  Convergence::Outcome outcome = convergence.conclude(now_ms);
  for (ledger::Entry& entry : outcome.entries) ledger_.journal->record(std::move(entry));
  for (const Convergence::Gone& gone : outcome.gone) {
    recorder_.on_room_gone(gone.room, gone.finished_ms);
  }
  for (const Convergence::End& end : outcome.ends) {
    recorder_.on_egress_end_found(end.egress, end.room ? &*end.room : nullptr);
  }
  if (outcome.gone.empty() && outcome.refreshed == 0 && outcome.closed == 0) return;
  recorder_.events().tell(
      LedgerCaughtUp{outcome.gone.size(), outcome.refreshed, outcome.closed, outcome.ends.size()});
}

void Reconciler::reconcile_subjects(const std::vector<livekit::Room>& rooms,
                                    const std::shared_ptr<const Recorded>& recorded) {
  for (const livekit::Room& room : rooms) {
    if (stopped_) return;
    api_.participants(
        room.name, [this, room, recorded](const livekit::ApiError* error,
                                          const std::vector<livekit::Participant>& participants) {
          // The next pass asks again; a room that closed meanwhile answers not_found.
          if (error != nullptr || stopped_) return;
          recorder_.ensure_subjects(room, participants, Origin::kReconciler,
                                    [&](const livekit::Subject& subject) {
                                      return recorded->has_subject(room, subject);
                                    });
        });
  }
}

// Every room without a recording goes to the recorder; what came of them is one line per pass.
void Reconciler::summarize(std::size_t rooms, const std::vector<livekit::Room>& unrecorded,
                           const Recorded& recorded, util::Timers::Clock::time_point listed_at) {
  std::size_t starting = 0;  // sent to start (or already starting)
  std::size_t deferred = 0;  // the pending queue was full: the next pass tries again
  std::size_t skipped = 0;   // the policy does not record them
  std::size_t stopped = 0;   // their recording was stopped on purpose
  for (const livekit::Room& room : unrecorded) {
    if (stopped_) break;
    // Its recording failed mid-room and the end was not acted on yet (the webhook was lost, and
    // the ledger did not know the session when this pass read it): a restart, counted as one.
    for (const livekit::EgressInfo& failure : recorded.failures_of(room)) {
      recorder_.on_egress_end_found(failure, &room);
    }
    switch (recorder_.ensure_recording(room, Origin::kReconciler, listed_at)) {
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
  recorder_.events().tell(
      PassDone{rooms, rooms - unrecorded.size(), starting, deferred, skipped, stopped});
}

}  // namespace ar::recorder
