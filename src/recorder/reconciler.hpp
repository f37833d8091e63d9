#pragma once
// Every reconcile_interval: ask LiveKit for its rooms and its recordings, and send every room
// without a room-composite recording to Recorder::ensure_recording. This covers webhooks LiveKit
// dropped, rooms started while the recorder was down, and recorders started after the rooms. The
// first pass runs right after start().
//
// With the ledger on, the same pass makes the ledger true (recorder/convergence.hpp): it reads
// what the ledger holds as not over, compares it with every egress ListEgress lists (ended ones
// too) and every room ListRooms lists, and tells the ledger and the recorder what the lost
// webhooks would have told them. One ListEgress and one ListRooms per pass, whatever the number
// of sessions.
//
// With several replicas, one at a time reconciles: the one holding the lease in Redis. Every
// replica asks for (or renews) the lease every lease_ttl/5; a new holder runs a pass at once.
// While Redis is unreachable every replica reconciles, since a missed room is worse than the
// duplicate the ListEgress check may then fail to prevent.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "coordination/claim_store.hpp"
#include "ledger/entry.hpp"
#include "ledger/unsettled.hpp"
#include "livekit/egress_api.hpp"
#include "recorder/convergence.hpp"
#include "recorder/events.hpp"
#include "recorder/recorder.hpp"
#include "util/timers.hpp"

namespace ar::recorder {

// The ledger a pass makes true: read through `unsettled`, told through `journal`; both null when
// the ledger is off.
struct ReconciledLedger {
  ledger::UnsettledSource* unsettled = nullptr;
  ledger::Journal* journal = nullptr;
};

class Reconciler {
 public:
  using Ledger = ReconciledLedger;
  // `claims` is null when running alone: this replica always reconciles. `interval` 0: off.
  Reconciler(Recorder& recorder, livekit::EgressApi& api, util::Timers& timers,
             std::chrono::milliseconds interval, coordination::ClaimStore* claims,
             Ledger ledger = {});

  void start();
  void stop();

  // Whether this replica runs reconcile passes now.
  bool leading() const { return role_ != Role::kFollower; }

 private:
  // Leader, follower, or without Redis: the role it tells (recorder/events.hpp).
  using Role = ReconcilerRole::Role;

  void ask_for_lease();
  void on_lease(const coordination::LeaseAnswer& answer);
  void schedule(std::chrono::milliseconds delay);
  // The room sessions being recorded, as ListEgress lists them: hashes of their sids (of their
  // names, for an egress that names no sid), 8 bytes a room at 30 000 rooms. A hash that
  // collides only defers a room to the next pass; its start's own ListEgress check decides.
  struct Recorded {
    std::vector<std::uint64_t> sids;
    std::vector<std::uint64_t> names;
    // Room composites that failed, when the pass lists ended egresses too (few): a room without
    // a recording that has one failed mid-room, and its next recording is a restart.
    std::vector<livekit::EgressInfo> failed;
    // Sessions (hashes of their sids) with a room composite that writes files running, one entry
    // per such recording; after sort(), `doubled` holds those listed twice or more: a duplicate,
    // which the recorder looks at (heal_duplicates).
    std::vector<std::uint64_t> writing;
    std::vector<std::uint64_t> doubled;
    // Participants' and tracks' recordings that write files: (subject, session) hashes, one per
    // recording; two of one subject put its session in `doubled`.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> subjects_writing;
    // Participants and tracks being recorded (record: participants, tracks): hashes of their
    // room sid with the identity or track id an egress's request names.
    std::vector<std::uint64_t> subjects;
    void add(const livekit::EgressInfo& egress);
    void add_subject(const livekit::EgressInfo& egress);
    bool has_subject(const livekit::Room& room, const livekit::Subject& subject) const;
    void sort();  // once every egress is in
    bool has(const livekit::Room& room) const;
    bool has_duplicate(const livekit::Room& room) const;
    // The failed recordings of this room session.
    std::span<const livekit::EgressInfo> failures_of(const livekit::Room& room) const;
  };

  void pass();
  void list_egresses(const std::shared_ptr<Convergence>& convergence);
  void compare(const std::shared_ptr<const Recorded>& recorded,
               const std::shared_ptr<Convergence>& convergence);
  // Tells the ledger and the recorder what the comparison found.
  void converge(const Convergence& convergence);
  // `listed_at`: when ListRooms was asked.
  void summarize(std::size_t rooms, const std::vector<livekit::Room>& unrecorded,
                 const Recorded& recorded, util::Timers::Clock::time_point listed_at);
  void pass_failed(std::string_view call, const livekit::ApiError& error);
  // The rooms whose rule records participants or tracks: ListParticipants for each, and every
  // participant or track without a recording in this pass's ListEgress to the recorder.
  void reconcile_subjects(const std::vector<livekit::Room>& rooms,
                          const std::shared_ptr<const Recorded>& recorded);

  // A pass over this many rooms hands its memory back to the system afterwards.
  static constexpr std::size_t kLargePass = 1000;
  // How long a pass waits for the ledger's unsettled sessions before it goes on without them.
  static constexpr std::chrono::milliseconds kLedgerWait{5000};

  Recorder& recorder_;
  livekit::EgressApi& api_;
  util::Timers& timers_;
  std::chrono::milliseconds interval_;
  coordination::ClaimStore* claims_;
  Ledger ledger_;
  // The open sessions this process's last pass listed alive, and when: they lived at least until
  // then. Nothing before the first pass, and after leading passed elsewhere.
  std::mutex alive_mutex_;
  Convergence::Alive alive_;
  std::atomic<Role> role_{Role::kFollower};
  std::mutex timers_mutex_;  // guards the three ids and stopped_'s effect on them
  std::optional<util::Timers::Id> pass_timer_;
  std::optional<util::Timers::Id> lease_timer_;
  std::optional<util::Timers::Id> ledger_timer_;  // a pass waiting for the ledger gives up
  std::atomic<bool> stopped_{false};
};

}  // namespace ar::recorder
