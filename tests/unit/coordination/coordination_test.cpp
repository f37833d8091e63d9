// Claims, event dedupe and the reconciler lease, against a real redis-server: what two replicas
// see when they ask for the same room or the same lease, and what happens when Redis goes away.
#include "coordination/coordination.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>
#include <vector>

#include "coordination/redis_client.hpp"
#include "coordination/redis_server.hpp"

namespace ar::coordination {
namespace {

using namespace std::chrono_literals;
using ar::testing::RedisServer;

constexpr auto kWait = 5s;

coordination::RedisSettings settings_for(std::uint16_t port) {
  coordination::RedisSettings settings;
  settings.address = coordination::HostPort{"127.0.0.1", port};
  settings.key_prefix = "test:";
  settings.claim_ttl = 30s;
  settings.lease_ttl = 1s;
  settings.timeout = 300ms;
  return settings;
}

// One replica's view of Redis.
class Replica {
 public:
  explicit Replica(const coordination::RedisSettings& settings)
      : coordination_(settings, 0ms, 1h, [](bool, std::string_view) {}) {}

  ClaimAnswer claim(std::string_view sid, std::string_view event_id = {},
                    std::string_view replaces = {}) {
    std::promise<ClaimAnswer> answer;
    coordination_.claim({"room", sid}, event_id, replaces,
                        [&](const ClaimAnswer& a) { answer.set_value(a); });
    return wait(answer.get_future());
  }

  LeaseAnswer lease() {
    std::promise<LeaseAnswer> answer;
    coordination_.lease([&](const LeaseAnswer& a) { answer.set_value(a); });
    return wait(answer.get_future());
  }

  // Waits until every command sent so far has been answered (they are answered in order). Asks
  // for the lease, so not for use in lease tests.
  void settle() { lease(); }

  Coordination& get() { return coordination_; }

  bool wait_until_up(bool up) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (coordination_.up() != up) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

 private:
  template <typename T>
  static T wait(std::future<T> future) {
    if (future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("no answer");
    return future.get();
  }

  Coordination coordination_;
};

class CoordinationTest : public ::testing::Test {
 protected:
  RedisServer redis_;
  coordination::RedisSettings settings_ = settings_for(redis_.port());
};

TEST_F(CoordinationTest, OfTwoReplicasClaimingOneRoomExactlyOneWins) {
  Replica a(settings_);
  Replica b(settings_);
  for (int room = 0; room < 50; ++room) {
    const std::string sid = "RM_" + std::to_string(room);
    std::promise<ClaimAnswer> first;
    std::promise<ClaimAnswer> second;
    a.get().claim({"r", sid}, {}, {}, [&](const ClaimAnswer& x) { first.set_value(x); });
    b.get().claim({"r", sid}, {}, {}, [&](const ClaimAnswer& x) { second.set_value(x); });
    const ClaimAnswer x = first.get_future().get();
    const ClaimAnswer y = second.get_future().get();
    EXPECT_EQ((x.claim == Claim::kWon) + (y.claim == Claim::kWon), 1) << sid;
    const ClaimAnswer& lost = x.claim == Claim::kWon ? y : x;
    Replica& winner = x.claim == Claim::kWon ? a : b;
    EXPECT_EQ(lost.claim, Claim::kTaken);
    EXPECT_EQ(lost.holder, "starting:" + winner.get().replica_id());
  }
}

TEST_F(CoordinationTest, AWebhookEventIsHandledByOneReplicaOnly) {
  Replica a(settings_);
  Replica b(settings_);
  EXPECT_EQ(a.claim("RM_1", "EV_1").claim, Claim::kWon);
  const ClaimAnswer again = b.claim("RM_1", "EV_1");
  EXPECT_EQ(again.claim, Claim::kDuplicateEvent);
  EXPECT_EQ(again.holder, "starting:" + a.get().replica_id());
  // Another event for the same room meets the claim instead.
  EXPECT_EQ(b.claim("RM_1", "EV_2").claim, Claim::kTaken);
}

TEST_F(CoordinationTest, AReleasedClaimCanBeTakenByAnotherReplica) {
  Replica a(settings_);
  Replica b(settings_);
  ASSERT_EQ(a.claim("RM_1").claim, Claim::kWon);
  ASSERT_EQ(b.claim("RM_1").claim, Claim::kTaken);
  b.get().release({"r", "RM_1"});  // not b's to release: nothing happens
  b.settle();
  EXPECT_EQ(b.claim("RM_1").claim, Claim::kTaken);
  a.get().release({"r", "RM_1"});
  a.settle();
  EXPECT_EQ(b.claim("RM_1").claim, Claim::kWon);
}

TEST_F(CoordinationTest, AClaimExpiresWhenItsHolderStopsRenewingIt) {
  settings_.claim_ttl = 300ms;
  Replica a(settings_);
  Replica b(settings_);
  ASSERT_EQ(a.claim("RM_1").claim, Claim::kWon);
  a.get().renew({"r", "RM_1"}, 1200ms);  // waiting to retry: kept for the wait plus claim_ttl
  a.settle();
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(b.claim("RM_1").claim, Claim::kTaken);
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(b.claim("RM_1").claim, Claim::kWon);
}

TEST_F(CoordinationTest, AStartedRecordingsClaimGoesToTheOneReplicaThatHearsItFailed) {
  Replica a(settings_);
  Replica b(settings_);
  Replica c(settings_);
  ASSERT_EQ(a.claim("RM_1").claim, Claim::kWon);
  a.get().started({"r", "RM_1"}, "EG_1");
  a.settle();
  const ClaimAnswer webhook_again = b.claim("RM_1");
  EXPECT_EQ(webhook_again.claim, Claim::kTaken);
  EXPECT_EQ(webhook_again.holder, "egress:EG_1");
  EXPECT_EQ(b.claim("RM_1", {}, "EG_other").claim, Claim::kTaken);
  // egress_ended(EG_1, FAILED) delivered to b and c: one restart.
  EXPECT_EQ(b.claim("RM_1", {}, "EG_1").claim, Claim::kWon);
  EXPECT_EQ(c.claim("RM_1", {}, "EG_1").claim, Claim::kTaken);
}

TEST_F(CoordinationTest, KeysCarryThePrefixAndExpire) {
  Replica a(settings_);
  ASSERT_EQ(a.claim("RM_1", "EV_1").claim, Claim::kWon);
  a.lease();
  RedisClient raw(settings_, [](bool, std::string_view) {});
  std::promise<Reply> keys;
  raw.command({"KEYS", "*"}, [&](const Reply& r) { keys.set_value(r); });
  const Reply all = keys.get_future().get();
  ASSERT_EQ(all.type, Reply::Type::kArray);
  std::vector<std::string> names;
  for (const Reply& key : all.elements) names.push_back(key.text);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"test:event:EV_1", "test:reconciler", "test:room:RM_1"}));
  for (const std::string& name : names) {
    std::promise<Reply> ttl;
    raw.command({"PTTL", name}, [&](const Reply& r) { ttl.set_value(r); });
    EXPECT_GT(ttl.get_future().get().integer, 0) << name << " never expires";
  }
}

TEST_F(CoordinationTest, OneReplicaHoldsTheLeaseAndAnotherTakesOverWithinOneLeasePeriod) {
  Replica a(settings_);
  Replica b(settings_);
  const LeaseAnswer first = a.lease();
  EXPECT_TRUE(first.available);
  EXPECT_TRUE(first.held);
  const LeaseAnswer other = b.lease();
  EXPECT_TRUE(other.available);
  EXPECT_FALSE(other.held);
  EXPECT_EQ(other.holder, a.get().replica_id());
  EXPECT_TRUE(a.lease().held);  // renewal

  // a dies right after renewing: b, asking every lease period, gets it within lease_ttl.
  const auto died = std::chrono::steady_clock::now();
  while (!b.lease().held) std::this_thread::sleep_for(b.get().lease_period());
  const auto takeover = std::chrono::steady_clock::now() - died;
  EXPECT_LE(takeover, settings_.lease_ttl + 100ms);
  EXPECT_FALSE(a.lease().held);
}

TEST_F(CoordinationTest, AResignedLeaseIsFreeAtOnce) {
  Replica a(settings_);
  Replica b(settings_);
  ASSERT_TRUE(a.lease().held);
  b.get().resign();  // not b's: nothing happens
  b.settle();
  EXPECT_FALSE(b.lease().held);
  const auto resigned = std::chrono::steady_clock::now();
  a.get().resign();
  while (!b.lease().held) std::this_thread::sleep_for(10ms);
  EXPECT_LT(std::chrono::steady_clock::now() - resigned, b.get().lease_expiry() / 2);
}

TEST_F(CoordinationTest, WhileRedisIsDownEveryAnswerSaysUnavailableThenClaimsResume) {
  Replica a(settings_);
  ASSERT_TRUE(a.wait_until_up(true));
  redis_.stop();
  const auto asked = std::chrono::steady_clock::now();
  const ClaimAnswer down = a.claim("RM_1");
  EXPECT_EQ(down.claim, Claim::kUnavailable);
  EXPECT_FALSE(down.holder.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, settings_.timeout + 200ms);
  EXPECT_FALSE(a.lease().available);
  EXPECT_TRUE(a.wait_until_up(false));
  redis_.start();
  ASSERT_TRUE(a.wait_until_up(true));
  EXPECT_EQ(a.claim("RM_1").claim, Claim::kWon);
}

TEST(Coordination, RedisNeverReachedAnswersUnavailableQuickly) {
  coordination::RedisSettings settings = settings_for(ar::testing::free_port());
  Replica a(settings);
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(a.claim("RM_1").claim, Claim::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  EXPECT_FALSE(a.get().up());
}

TEST(RedisProtocol, CommandsAreFormattedAsRespArrays) {
  EXPECT_EQ(format_command({"SET", "k", "a b"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n");
  EXPECT_EQ(format_command({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(RedisClient, PasswordsAndDatabasesAreUsed) {
  RedisServer redis({"--requirepass", "redis-pass-0123"});
  coordination::RedisSettings settings = settings_for(redis.port());
  settings.password = "wrong-password";
  {
    Replica wrong(settings);
    const ClaimAnswer refused = wrong.claim("RM_1");
    EXPECT_EQ(refused.claim, Claim::kUnavailable);
    EXPECT_NE(refused.holder.find("WRONGPASS"), std::string::npos) << refused.holder;
    EXPECT_EQ(refused.holder.find("wrong-password"), std::string::npos) << "password in a message";
  }
  settings.password = "redis-pass-0123";
  settings.db = 3;
  Replica right(settings);
  EXPECT_EQ(right.claim("RM_1").claim, Claim::kWon);
  RedisClient raw(settings, [](bool, std::string_view) {});
  std::promise<Reply> size;
  raw.command({"DBSIZE"}, [&](const Reply& r) { size.set_value(r); });
  EXPECT_EQ(size.get_future().get().integer, 1);  // in database 3
}

// Every command gets its callback exactly once, also when stop() comes while some are queued and
// some await their reply; a command after stop() is answered at once.
TEST_F(CoordinationTest, StopAnswersEveryCommandQueuedOrInFlight) {
  auto client = std::make_unique<RedisClient>(settings_, [](bool, std::string_view) {});
  std::atomic<int> answered{0};
  std::atomic<int> twice{0};
  constexpr int kCommands = 2000;
  std::vector<std::atomic<bool>> seen(kCommands);
  for (int i = 0; i < kCommands; ++i) {
    // BLPOP waits a second for a list nobody fills: most commands are still unanswered at stop.
    client->command({"BLPOP", "test:empty-" + std::to_string(i % 3), "1"}, [&, i](const Reply&) {
      if (seen[i].exchange(true)) ++twice;
      ++answered;
    });
  }
  client->stop();
  EXPECT_EQ(answered.load(), kCommands);
  EXPECT_EQ(twice.load(), 0);
  Reply after;
  client->command({"PING"}, [&](const Reply& r) { after = r; });
  EXPECT_EQ(after.type, Reply::Type::kUnavailable);
  EXPECT_EQ(after.text, "shutting down");
  client.reset();  // the destructor's stop() is a no-op now
}

// A Sentinel that answers a port beyond 65535 (it was cut to 16 bits and connected elsewhere).
TEST(RedisClient, ASentinelAnsweringAPortThatIsNotOneIsNotBelieved) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::atomic<bool> done{false};
  std::thread sentinel([&] {
    while (!done) {
      asio::ip::tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec || done) return;
      std::array<char, 512> request{};
      socket.read_some(asio::buffer(request), ec);
      asio::write(socket, asio::buffer(std::string("*2\r\n$9\r\n127.0.0.1\r\n$5\r\n70000\r\n")),
                  ec);
    }
  });
  coordination::RedisSettings settings;
  settings.sentinels = {coordination::HostPort{"127.0.0.1", acceptor.local_endpoint().port()}};
  settings.sentinel_master_name = "mymaster";
  settings.timeout = 300ms;
  std::promise<std::string> down;
  std::atomic<bool> reported{false};
  {
    RedisClient client(settings, [&](bool up, std::string_view detail) {
      if (!up && !reported.exchange(true)) down.set_value(std::string(detail));
    });
    auto future = down.get_future();
    ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
    EXPECT_NE(future.get().find("answered master port \"70000\", which is not a port"),
              std::string::npos);
  }
  done = true;
  ::shutdown(acceptor.native_handle(), SHUT_RDWR);
  sentinel.join();
}

}  // namespace
}  // namespace ar::coordination
