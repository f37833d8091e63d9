#include "coordination/coordination.hpp"

#include <unistd.h>

#include <array>
#include <random>

namespace ar::coordination {
namespace {

// KEYS[1] the room's claim, KEYS[2] (optional) the webhook event.
// ARGV: this replica's claim value, claim ttl ms, the value that may be replaced (a failed
// recording's "egress:<id>", or ""), event ttl ms.
// Answers {"won"}, {"taken", holder} or {"duplicate", who handled the event}.
constexpr std::string_view kClaimScript = R"lua(
if #KEYS == 2 and not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[4]) then
  return {'duplicate', redis.call('GET', KEYS[2]) or ''}
end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] and not (ARGV[3] ~= '' and holder == ARGV[3]) then
  return {'taken', holder}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'won'}
)lua";

// KEYS[1] a claim or the lease. If it still holds ARGV[1] (it is ours): set it to ARGV[2] for
// ARGV[3] ms, or delete it when ARGV[2] is "". Never touches a key another replica holds.
constexpr std::string_view kUpdateScript = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
)lua";

// KEYS[1] the lease, ARGV: this replica, ttl ms. Takes a free lease, renews our own.
// Answers {1, holder} when held by us, {0, holder} when another replica holds it.
constexpr std::string_view kLeaseScript = R"lua(
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ARGV[1]}
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, holder}
end
return {0, holder}
)lua";

std::string make_replica_id() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device random;
  std::uniform_int_distribution<unsigned> digit(0, 15);
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += "0123456789abcdef"[digit(random)];
  const std::string name = host[0] != '\0' ? std::string(host.data()) : "replica";
  return name + "-" + suffix;
}

std::string ms(std::chrono::milliseconds ttl) {
  return std::to_string(std::max<std::chrono::milliseconds::rep>(ttl.count(), 1));
}

}  // namespace

Coordination::Coordination(const RedisSettings& settings, std::chrono::milliseconds call_timeout,
                           std::chrono::milliseconds event_ttl, StateChange on_change)
    : settings_(settings),
      hold_(settings.claim_ttl + call_timeout),
      event_ttl_(event_ttl),
      replica_id_(make_replica_id()),
      client_(settings, std::move(on_change)) {}

std::string Coordination::room_key(ClaimKey room) const {
  return settings_.key_prefix + "room:" + std::string(room.sid.empty() ? room.name : room.sid);
}

std::string Coordination::owner_value() const {
  return "starting:" + replica_id_;
}

void Coordination::claim(ClaimKey room, std::string_view event_id, std::string_view replaces_egress,
                         std::function<void(const ClaimAnswer&)> done) {
  std::vector<std::string> args{"EVAL", std::string(kClaimScript), event_id.empty() ? "1" : "2",
                                room_key(room)};
  if (!event_id.empty()) args.push_back(settings_.key_prefix + "event:" + std::string(event_id));
  args.push_back(owner_value());
  args.push_back(ms(hold_));
  args.push_back(replaces_egress.empty() ? "" : "egress:" + std::string(replaces_egress));
  args.push_back(ms(event_ttl_));
  client_.command(args, [done = std::move(done)](const Reply& reply) {
    ClaimAnswer answer;
    if (reply.type != Reply::Type::kArray || reply.elements.empty()) {
      answer.holder = reply.text.empty() ? "unexpected answer from Redis" : reply.text;
      return done(answer);
    }
    const std::string& verdict = reply.elements[0].text;
    if (reply.elements.size() > 1) answer.holder = reply.elements[1].text;
    if (verdict == "won") {
      answer.claim = Claim::kWon;
    } else if (verdict == "taken") {
      answer.claim = Claim::kTaken;
    } else if (verdict == "duplicate") {
      answer.claim = Claim::kDuplicateEvent;
    }
    done(answer);
  });
}

void Coordination::update(std::string key, std::string expected, std::string value,
                          std::chrono::milliseconds ttl) {
  client_.command({"EVAL", std::string(kUpdateScript), "1", std::move(key), std::move(expected),
                   std::move(value), ms(ttl)},
                  [](const Reply&) {
                    // Best effort: a claim not renewed, released or relabelled expires anyway.
                  });
}

void Coordination::renew(ClaimKey room, std::chrono::milliseconds wait) {
  update(room_key(room), owner_value(), owner_value(), wait + hold_);
}

void Coordination::started(ClaimKey room, std::string_view egress_id) {
  update(room_key(room), owner_value(), "egress:" + std::string(egress_id), settings_.claim_ttl);
}

void Coordination::release(ClaimKey room) {
  update(room_key(room), owner_value(), "", settings_.claim_ttl);
}

void Coordination::lease(std::function<void(const LeaseAnswer&)> done) {
  client_.command({"EVAL", std::string(kLeaseScript), "1", settings_.key_prefix + "reconciler",
                   replica_id_, ms(lease_expiry())},
                  [done = std::move(done)](const Reply& reply) {
                    LeaseAnswer answer;
                    if (reply.type == Reply::Type::kArray && reply.elements.size() == 2) {
                      answer.available = true;
                      answer.held = reply.elements[0].integer == 1;
                      answer.holder = reply.elements[1].text;
                    } else {
                      answer.holder = reply.text;
                    }
                    done(answer);
                  });
}

void Coordination::resign() {
  update(settings_.key_prefix + "reconciler", replica_id_, "", lease_expiry());
}

}  // namespace ar::coordination
