#pragma once
// What the ledger holds as not over: the room sessions that have not ended (their room lives as
// far as it knows, or one of their recordings has not reported its end), with their recordings.
// The reconciler compares them with what LiveKit lists, so that the ledger converges to LiveKit's
// truth when webhooks were lost (docs/ledger.md, "How the ledger stays true").
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/egress_status.hpp"

namespace ar::ledger {

// Without its name: at 30 000 open sessions every byte per session counts, and a session whose
// room is gone is closed by its sid (the ledger has its name).
struct UnsettledSession {
  std::string sid;
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;  // 0 while its room lives, as far as the ledger knows
};

struct UnsettledRecording {
  std::string egress_id;
  std::string room_sid;
  model::EgressStatus status = model::EgressStatus::kStarting;
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;
  bool closed_by_ledger = false;  // closed without LiveKit's word (Recording::closed_by)
};

struct Unsettled {
  std::vector<UnsettledSession> sessions;
  std::vector<UnsettledRecording> recordings;  // every recording of those sessions
};

// Where the reconciler reads them. The answer comes exactly once, on another thread once every
// entry journaled before the call is written; nullopt when the ledger cannot be read now (it is
// failing, far behind, or stopping), and then possibly at once, on the caller's thread.
class UnsettledSource {
 public:
  UnsettledSource() = default;
  UnsettledSource(const UnsettledSource&) = delete;
  UnsettledSource& operator=(const UnsettledSource&) = delete;
  virtual ~UnsettledSource() = default;

  // As of every entry the recorder journaled before this call.
  virtual void unsettled(std::function<void(std::optional<Unsettled>)> done) = 0;
};

}  // namespace ar::ledger
