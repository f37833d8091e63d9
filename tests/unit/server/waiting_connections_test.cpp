#include "server/waiting_connections.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ar::server {
namespace {

struct FakeConnection final : WaitingConnection, std::enable_shared_from_this<FakeConnection> {
  explicit FakeConnection(WaitingConnections& list) : list(list) {}
  ~FakeConnection() { list.remove(*this); }
  FakeConnection(const FakeConnection&) = delete;
  FakeConnection& operator=(const FakeConnection&) = delete;
  void evict() override { evicted = true; }
  std::shared_ptr<WaitingConnection> lock() override { return weak_from_this().lock(); }

  WaitingConnections& list;
  bool evicted = false;
};

TEST(WaitingConnections, TheOneIdleLongestGoesFirstAndThoseOwedAnAnswerNever) {
  WaitingConnections waiting;
  std::vector<std::shared_ptr<FakeConnection>> c;
  for (int i = 0; i < 4; ++i) c.push_back(std::make_shared<FakeConnection>(waiting));
  for (auto& connection : c) waiting.idle(*connection);
  waiting.remove(*c[0]);  // the handler owes it an answer
  waiting.idle(*c[1]);    // idle already: keeps its place
  EXPECT_EQ(waiting.take_slowest(), c[1]);
  EXPECT_EQ(waiting.take_slowest(), c[2]);
  waiting.idle(*c[0]);  // answered, idle again: now the newest
  EXPECT_EQ(waiting.take_slowest(), c[3]);
  EXPECT_EQ(waiting.take_slowest(), c[0]);
  EXPECT_EQ(waiting.take_slowest(), nullptr);
}

// Requests sent a byte at a time, and answers never read: once no connection is idle, the one
// whose client moved longest ago makes room; one that keeps sending stays.
TEST(WaitingConnections, PastTheIdleOnesTheClientThatMovedLongestAgoGoes) {
  WaitingConnections waiting;
  auto trickling = std::make_shared<FakeConnection>(waiting);
  auto stalled = std::make_shared<FakeConnection>(waiting);
  auto unread = std::make_shared<FakeConnection>(waiting);
  auto idle = std::make_shared<FakeConnection>(waiting);
  waiting.progressed(*trickling);
  waiting.progressed(*stalled);
  waiting.progressed(*unread);  // its answer is being written, and never taken
  waiting.idle(*idle);
  waiting.progressed(*trickling);  // another byte
  EXPECT_EQ(waiting.take_slowest(), idle) << "the idle go first";
  EXPECT_EQ(waiting.take_slowest(), stalled);
  EXPECT_EQ(waiting.take_slowest(), unread);
  EXPECT_EQ(waiting.take_slowest(), trickling);
  EXPECT_EQ(waiting.take_slowest(), nullptr);
  // A request that arrives on an idle connection moves it to the active ones, and back.
  waiting.idle(*idle);
  waiting.progressed(*idle);
  waiting.idle(*stalled);
  EXPECT_EQ(waiting.take_slowest(), stalled);
  EXPECT_EQ(waiting.take_slowest(), idle);
}

TEST(WaitingConnections, AConnectionGoneFromTheListIsNeverHandedOut) {
  WaitingConnections waiting;
  auto first = std::make_shared<FakeConnection>(waiting);
  auto second = std::make_shared<FakeConnection>(waiting);
  waiting.idle(*first);
  waiting.progressed(*second);
  first.reset();  // destroyed: its destructor takes it out of the list
  EXPECT_EQ(waiting.take_slowest(), second);
  EXPECT_EQ(waiting.take_slowest(), nullptr);
}

}  // namespace
}  // namespace ar::server
