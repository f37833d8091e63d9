#include "server/idle_connections.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ar::server {
namespace {

struct FakeConnection final : IdleConnection, std::enable_shared_from_this<FakeConnection> {
  explicit FakeConnection(IdleConnections& list) : list(list) {}
  ~FakeConnection() { list.remove(*this); }
  FakeConnection(const FakeConnection&) = delete;
  FakeConnection& operator=(const FakeConnection&) = delete;
  void evict() override { evicted = true; }
  std::shared_ptr<IdleConnection> lock() override { return weak_from_this().lock(); }

  IdleConnections& list;
  bool evicted = false;
};

TEST(IdleConnections, TheOneIdleLongestGoesFirstAndBusyOnesNever) {
  IdleConnections idle;
  std::vector<std::shared_ptr<FakeConnection>> c;
  for (int i = 0; i < 4; ++i) c.push_back(std::make_shared<FakeConnection>(idle));
  for (auto& connection : c) idle.add(*connection);
  idle.remove(*c[0]);  // a request began on it
  idle.add(*c[1]);     // already listed: keeps its place
  EXPECT_EQ(idle.take_oldest(), c[1]);
  EXPECT_EQ(idle.take_oldest(), c[2]);
  idle.add(*c[0]);  // idle again, now the newest
  EXPECT_EQ(idle.take_oldest(), c[3]);
  EXPECT_EQ(idle.take_oldest(), c[0]);
  EXPECT_EQ(idle.take_oldest(), nullptr);
}

TEST(IdleConnections, AConnectionGoneFromTheListIsNeverHandedOut) {
  IdleConnections idle;
  auto first = std::make_shared<FakeConnection>(idle);
  auto second = std::make_shared<FakeConnection>(idle);
  idle.add(*first);
  idle.add(*second);
  first.reset();  // destroyed: its destructor takes it out of the list
  EXPECT_EQ(idle.take_oldest(), second);
  EXPECT_EQ(idle.take_oldest(), nullptr);
}

}  // namespace
}  // namespace ar::server
