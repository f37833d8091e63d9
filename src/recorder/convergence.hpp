#pragma once
// One reconcile pass's comparison of the ledger with LiveKit: what the ledger holds as not over
// (ledger::Unsettled) against what ListEgress and ListRooms list. Pure: no I/O and no clock, so
// unit tests drive every case in microseconds. The reconciler feeds it and carries out what it
// concludes (docs/ledger.md, "How the ledger stays true"):
// - a recording the ledger holds open that LiveKit lists with another status, or ended, is
//   refreshed with everything LiveKit reports (status, times, error, files);
// - an egress of an open session the ledger does not know yet is added to it;
// - a session whose room is no longer listed is closed, with an estimate of when;
// - a recording LiveKit no longer lists, of a session whose room is gone, is closed as known.
// At 30 000 open sessions it holds the ledger's answer and two sorted indexes into it, nothing
// per session beyond that (docs/performance.md, scale).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/entry.hpp"
#include "ledger/unsettled.hpp"
#include "livekit/egress_info.hpp"
#include "livekit/webhook.hpp"

namespace ar::recorder {

class Convergence {
 public:
  // The open sessions a pass listed alive, as sorted hashes of their sids (8 bytes a session,
  // kept between passes), and when it listed them.
  struct Alive {
    std::vector<std::uint64_t> sids;
    std::int64_t at_ms = 0;
  };

  // `before`: what the previous pass of this process listed (none after a start, or when leading
  // passed to another replica and back). `read_ms`: when the ledger was read.
  Convergence(ledger::Unsettled unsettled, const Alive& before, std::int64_t read_ms);

  // Each egress ListEgress lists (active, and ended in about the last 24 h); each room ListRooms
  // lists. Only what concerns the ledger's open sessions is kept.
  void egress(const livekit::EgressInfo& egress);
  void room(const livekit::Room& room);

  struct Gone {
    livekit::Room room;            // sid and creation time (the ledger has its name)
    std::int64_t finished_ms = 0;  // the estimate of its end
  };
  // An end the ledger had not heard of, and whether its room lives: the room as this pass listed
  // it, or none (gone). The recorder acts on it as on its webhook, without asking LiveKit again.
  struct End {
    livekit::EgressInfo egress;
    std::optional<livekit::Room> room;
  };
  struct Outcome {
    std::vector<ledger::Entry> entries;  // recordings refreshed, added, or closed as known
    std::vector<Gone> gone;              // sessions whose room is gone, never finished
    std::vector<End> ends;               // in the order listed
    std::size_t refreshed = 0;           // recordings refreshed or added (entries' part)
    std::size_t closed = 0;              // recordings closed as known (entries' part)
  };
  // What to tell the ledger and the recorder. `now_ms`: the end of a session of which nothing
  // else is known.
  Outcome conclude(std::int64_t now_ms) const;
  // The open sessions this pass listed alive, for the next pass; `at_ms`: when.
  Alive alive(std::int64_t at_ms) const;

 private:
  // Entries sorted by the hash of their sid or egress id, with their place in the answer.
  using Index = std::vector<std::pair<std::uint64_t, std::uint32_t>>;

  struct SessionState {
    std::int64_t last_known_ms = 0;  // the latest start or end of its recordings; when last listed
    bool listed = false;             // ListRooms lists it: its room lives
    bool ended_now = false;          // one of its recordings' ends is new this pass
  };
  struct RecordingState {
    bool final = false;   // ended, as LiveKit reported
    bool listed = false;  // ListEgress lists it
  };

  // The place of `key` in the answer by `index`, or -1.
  template <typename Item>
  static long find(const Index& index, const std::vector<Item>& items, std::string_view key,
                   std::string Item::*field);
  // The end of a session whose room is gone (docs/ledger.md): the last moment it is known to
  // have lived.
  std::int64_t estimate(std::size_t session, std::int64_t now_ms) const;

  // An egress the ledger has not heard of is added only once it is certainly not one whose start
  // was under way when the ledger was read (its RecordingStarted on its way): ended, or started
  // this long before.
  static constexpr std::int64_t kSettledMs = 10'000;

  ledger::Unsettled ledger_;
  std::int64_t read_ms_;
  Index sessions_by_sid_;
  Index recordings_by_id_;
  std::vector<SessionState> sessions_;
  std::vector<RecordingState> recordings_;
  std::vector<livekit::EgressInfo> updates_;  // as listed, in order
  std::vector<bool> new_ends_;                // per update: an end to act on
  // The listed rooms of sessions with a new end (few): a restart needs the room's name and
  // metadata.
  std::vector<std::pair<std::uint32_t, livekit::Room>> rooms_ended_now_;
};

}  // namespace ar::recorder
