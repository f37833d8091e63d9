#pragma once
// What the recorder and the reconciler ask of the replicas' shared store, as an interface: the
// real one is Redis (coordination/coordination.hpp), unit tests answer by hand.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "model/claim.hpp"

namespace ar::coordination {

// Won, taken, a duplicate event, or Redis unavailable: the vocabulary's (model/claim.hpp).
using model::Claim;

struct ClaimAnswer {
  Claim claim = Claim::kUnavailable;
  std::string holder;  // who holds it (kTaken, kDuplicateEvent) or why Redis failed
};

struct LeaseAnswer {
  bool available = false;  // false: Redis could not be asked
  bool held = false;       // this replica holds the lease
  std::string holder;
};

// The key of a room's claim: its sid, or its name when LiveKit sent no sid (views into the
// caller's livekit::Room).
struct ClaimKey {
  std::string_view name;
  std::string_view sid;
};

class ClaimStore {
 public:
  ClaimStore() = default;
  ClaimStore(const ClaimStore&) = delete;
  ClaimStore& operator=(const ClaimStore&) = delete;
  virtual ~ClaimStore() = default;

  // This process's name in claims and the lease.
  virtual const std::string& replica_id() const = 0;

  // Claims `room` for this replica. `event_id` (may be empty) is marked handled in the same step.
  // `replaces_egress` (may be empty) lets the claim be taken over from a recording that failed.
  // `done` runs later, never inside this call (once the store has stopped it may run at once).
  virtual void claim(ClaimKey room, std::string_view event_id, std::string_view replaces_egress,
                     std::function<void(const ClaimAnswer&)> done) = 0;
  // Keeps this replica's claim alive through waiting `wait` (before a retry) and the next call.
  virtual void renew(ClaimKey room, std::chrono::milliseconds wait) = 0;
  // The start worked: the claim now names the egress, and expires after claim_ttl.
  virtual void started(ClaimKey room, std::string_view egress_id) = 0;
  // Gives the claim up (a start that failed for good), so others may try.
  virtual void release(ClaimKey room) = 0;

  // Takes the reconciler lease if it is free, renews it if this replica holds it. `done` runs
  // later, never inside this call.
  virtual void lease(std::function<void(const LeaseAnswer&)> done) = 0;
  // Gives the lease up (shutdown), so another replica takes over without waiting for expiry.
  virtual void resign() = 0;
  // How often the lease is renewed or asked for.
  virtual std::chrono::milliseconds lease_period() const = 0;
};

}  // namespace ar::coordination
