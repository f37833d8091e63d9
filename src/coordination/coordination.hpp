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

#include "coordination/claim_store.hpp"
#include "coordination/redis_client.hpp"
#include "coordination/settings.hpp"

namespace ar::coordination {

class Coordination final : public ClaimStore {
 public:
  using StateChange = RedisClient::StateChange;

  // `call_timeout`: the longest a call to LiveKit may take; a claim always covers the next call
  // plus claim_ttl. `event_ttl`: how long webhook event ids are remembered.
  Coordination(const RedisSettings& settings, std::chrono::milliseconds call_timeout,
               std::chrono::milliseconds event_ttl, StateChange on_change);

  // The replica id is "<hostname>-<random>", new at every start.
  const std::string& replica_id() const override { return replica_id_; }
  void claim(ClaimKey room, std::string_view event_id, std::string_view replaces_egress,
             std::function<void(const ClaimAnswer&)> done) override;
  void renew(ClaimKey room, std::chrono::milliseconds wait) override;
  void started(ClaimKey room, std::string_view egress_id) override;
  void release(ClaimKey room) override;
  void lease(std::function<void(const LeaseAnswer&)> done) override;
  void resign() override;

  bool up() const { return client_.up(); }
  std::size_t outstanding() const { return client_.outstanding(); }
  std::uint64_t refused_replies() const { return client_.refused_replies(); }
  void stop() { client_.stop(); }

  // How often the lease is renewed or asked for, and how long it lasts in Redis: a holder that
  // dies is replaced at most lease_ttl later (expiry plus one asking period).
  std::chrono::milliseconds lease_period() const override { return settings_.lease_ttl / 5; }
  std::chrono::milliseconds lease_expiry() const { return settings_.lease_ttl - lease_period(); }

 private:
  std::string room_key(ClaimKey room) const;
  std::string owner_value() const;
  void update(std::string key, std::string expected, std::string value,
              std::chrono::milliseconds ttl);

  const RedisSettings& settings_;
  std::chrono::milliseconds hold_;  // claim_ttl plus one call to LiveKit
  std::chrono::milliseconds event_ttl_;
  std::string replica_id_;
  RedisClient client_;
};

}  // namespace ar::coordination
