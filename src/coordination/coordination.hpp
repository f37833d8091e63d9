#pragma once
// What several replicas agree on through Redis, and nothing else:
//  - claims: before starting a room's recording a replica claims the room; only the holder
//    starts it. A claim expires if its holder dies, is released when a start fails for good, and
//    after a start names the egress, so the replica that hears of that egress failing may take it;
//  - webhook event ids, so a webhook delivered to two replicas is handled once;
//  - the reconciler lease: one replica at a time runs reconcile passes.
// Every operation is atomic in Redis (a Lua script or SET NX), and every answer says when Redis
// could not be asked, so the caller can fall back to LiveKit's own ListEgress check.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "coordination/redis_client.hpp"

namespace ar::coordination {

enum class Claim {
  kWon,             // this replica holds the claim: start the recording
  kTaken,           // another replica holds it (or recorded the room moments ago): skip
  kDuplicateEvent,  // this webhook event was handled by a replica already: skip
  kUnavailable,     // Redis could not be asked: fall back to the ListEgress check
};

struct ClaimAnswer {
  Claim claim = Claim::kUnavailable;
  std::string holder;  // who holds it (kTaken, kDuplicateEvent) or why Redis failed
};

struct LeaseAnswer {
  bool available = false;  // false: Redis could not be asked
  bool held = false;       // this replica holds the lease
  std::string holder;
};

// A room's claim key part: its sid, or its name when LiveKit sent no sid.
struct RoomRef {
  std::string_view name;
  std::string_view sid;
};

class Coordination {
 public:
  using StateChange = RedisClient::StateChange;

  // `call_timeout`: the longest a call to LiveKit may take; a claim always covers the next call
  // plus claim_ttl. `event_ttl`: how long webhook event ids are remembered.
  Coordination(const config::Redis& settings, std::chrono::milliseconds call_timeout,
               std::chrono::milliseconds event_ttl, StateChange on_change);

  // This process's name in claims and the lease: "<hostname>-<random>", new at every start.
  const std::string& replica_id() const { return replica_id_; }

  // Claims `room` for this replica. `event_id` (may be empty) is marked handled in the same step.
  // `replaces_egress` (may be empty) lets the claim be taken over from a recording that failed.
  void claim(RoomRef room, std::string_view event_id, std::string_view replaces_egress,
             std::function<void(const ClaimAnswer&)> done);
  // Keeps this replica's claim alive through waiting `wait` (before a retry) and the next call.
  void renew(RoomRef room, std::chrono::milliseconds wait = {});
  // The start worked: the claim now names the egress, and expires after claim_ttl.
  void started(RoomRef room, std::string_view egress_id);
  // Gives the claim up (a start that failed for good), so others may try.
  void release(RoomRef room);

  // Takes the reconciler lease if it is free, renews it if this replica holds it.
  void lease(std::function<void(const LeaseAnswer&)> done);
  // Gives the lease up (shutdown), so another replica takes over without waiting for expiry.
  void resign();

  bool up() const { return client_.up(); }
  std::size_t outstanding() const { return client_.outstanding(); }
  std::string where() const { return client_.where(); }
  void stop() { client_.stop(); }

  // How often the lease is renewed or asked for, and how long it lasts in Redis: a holder that
  // dies is replaced at most lease_ttl later (expiry plus one asking period).
  std::chrono::milliseconds lease_period() const { return settings_.lease_ttl / 5; }
  std::chrono::milliseconds lease_expiry() const { return settings_.lease_ttl - lease_period(); }

 private:
  std::string room_key(RoomRef room) const;
  std::string owner_value() const;
  void update(std::string key, std::string expected, std::string value,
              std::chrono::milliseconds ttl);

  const config::Redis& settings_;
  std::chrono::milliseconds hold_;  // claim_ttl plus one call to LiveKit
  std::chrono::milliseconds event_ttl_;
  std::string replica_id_;
  RedisClient client_;
};

}  // namespace ar::coordination
