// The reconciler in memory: passes find rooms whose webhook was lost, defer what the queue cannot
// take, survive failed calls, and run on one replica at a time.
#include "recorder/reconciler.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "recorder/fakes.hpp"
#include "recorder/recorded_events.hpp"
#include "telemetry/log.hpp"

namespace ar::recorder {
namespace {

using model::EgressStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Answers;
using testing::ClaimTable;
using testing::FakeClaims;
using testing::FakeLiveKit;
using testing::ManualTimers;

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() { log::setup({.level = log::Level::kError}); }

  // One replica: its recorder and reconciler, with or without a claim store.
  struct Replica {
    std::unique_ptr<Recorder> recorder;
    std::unique_ptr<Reconciler> reconciler;
  };
  Replica& replica(coordination::ClaimStore* claims = nullptr) {
    auto& r = replicas_.emplace_back();
    r.recorder = std::make_unique<Recorder>(
        Recorder::Parts{policy_, delivery, livekit, timers, events_, claims, nullptr, 1});
    r.reconciler = std::make_unique<Reconciler>(*r.recorder, livekit, timers,
                                                delivery.reconcile_interval, claims);
    return r;
  }

  void settle(milliseconds within = milliseconds(0)) { testing::settle(answers, timers, within); }

  testing::RecordedEvents events_;

  std::size_t passes() const {
    return livekit.calls("ListEgress active") + livekit.calls("ListEgress all");
  }

  Answers answers;
  ManualTimers timers;
  FakeLiveKit livekit{answers};
  Delivery delivery;

 private:
  recording::Plan top_level_;
  std::vector<recording::Rule> rules_;
  recording::Policy policy_{top_level_, rules_};
  std::deque<Replica> replicas_;
};

TEST_F(ReconcilerTest, TheFirstPassRunsAtStartAndRecordsRoomsWhoseWebhookWasLost) {
  livekit.add_room("lost-webhook");
  livekit.add_room("recorded");
  livekit.add_egress("recorded", EgressStatus::kActive);
  replica().reconciler->start();
  settle();
  EXPECT_EQ(passes(), 1U);
  EXPECT_EQ(livekit.starts_for("lost-webhook"), 1U);
  EXPECT_EQ(livekit.starts_for("recorded"), 0U);
}

TEST_F(ReconcilerTest, APassWhereEveryRoomIsRecordedStartsNothing) {
  livekit.add_room("a");
  replica().reconciler->start();
  settle();
  EXPECT_EQ(livekit.calls("Start"), 1U);
  // Two more passes looked, and found nothing to do.
  settle(delivery.reconcile_interval);
  settle(delivery.reconcile_interval);
  EXPECT_EQ(passes(), 3U);
  EXPECT_EQ(livekit.calls("Start"), 1U);
}

TEST_F(ReconcilerTest, RoomsBeyondMaxPendingStartsWaitForTheNextPass) {
  delivery.max_pending_starts = 2;
  for (const char* name : {"a", "b", "c", "d", "e"}) livekit.add_room(name);
  replica().reconciler->start();
  settle();
  EXPECT_EQ(livekit.calls("Start"), 2U);
  settle(delivery.reconcile_interval);
  EXPECT_EQ(livekit.calls("Start"), 4U);
  settle(delivery.reconcile_interval);
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    EXPECT_EQ(livekit.starts_for(name), 1U) << name;
    EXPECT_EQ(livekit.active_recordings(name), 1U) << name;
  }
}

TEST_F(ReconcilerTest, AFailedPassEndsAndTheNextOneComesAsUsual) {
  livekit.add_room("a");
  livekit.fail_next("ListRooms all", {"unavailable"});
  replica().reconciler->start();
  settle();
  EXPECT_EQ(livekit.calls("Start"), 0U);
  settle(delivery.reconcile_interval - milliseconds(1));
  EXPECT_EQ(passes(), 1U);
  settle(milliseconds(1));
  EXPECT_EQ(passes(), 2U);
  EXPECT_EQ(livekit.starts_for("a"), 1U);
  // Told: the failed pass with its call and code, then a pass that found one room to start
  // (auto_recorder_reconcile_passes_total{result="failed"|"ok"}).
  const auto failed = events_.all<recorder::PassFailed>();
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(failed.at(0).call, "ListRooms");
  EXPECT_EQ(failed.at(0).code, "unavailable");
  const auto done = events_.all<recorder::PassDone>();
  ASSERT_EQ(done.size(), 1U);
  EXPECT_EQ(done.at(0).rooms, 1U);
  EXPECT_EQ(done.at(0).starting, 1U);
}

TEST_F(ReconcilerTest, AStoppedReconcilerRunsNoMorePasses) {
  auto& r = replica();
  r.reconciler->start();
  settle();
  r.reconciler->stop();
  settle(delivery.reconcile_interval * 3);
  EXPECT_EQ(passes(), 1U);
  EXPECT_EQ(timers.waiting(), 0U);
}

TEST_F(ReconcilerTest, OffMeansNoPassAtAll) {
  delivery.reconcile_interval = milliseconds(0);
  livekit.add_room("a");
  replica().reconciler->start();
  settle(seconds(60));
  EXPECT_EQ(passes(), 0U);
}

TEST_F(ReconcilerTest, OneReplicaAtATimeReconcilesAndAnotherTakesOverWhenItResigns) {
  ClaimTable table;
  FakeClaims claims_a("a", table, answers);
  FakeClaims claims_b("b", table, answers);
  auto& a = replica(&claims_a);
  auto& b = replica(&claims_b);
  livekit.add_room("lost-webhook");
  a.reconciler->start();
  b.reconciler->start();
  settle();
  EXPECT_TRUE(a.reconciler->leading());
  EXPECT_FALSE(b.reconciler->leading());
  EXPECT_EQ(passes(), 1U);
  EXPECT_EQ(livekit.starts_for("lost-webhook"), 1U);

  a.reconciler->stop();  // hands the lease back
  livekit.add_room("started-meanwhile");
  settle(claims_b.lease_period());
  EXPECT_TRUE(b.reconciler->leading());
  EXPECT_EQ(passes(), 2U);  // the new holder looked at once
  EXPECT_EQ(livekit.starts_for("started-meanwhile"), 1U);
  EXPECT_EQ(livekit.starts_for("lost-webhook"), 1U);
}

TEST_F(ReconcilerTest, WhileRedisIsUnreachableEveryReplicaReconciles) {
  ClaimTable table;
  table.available = false;
  FakeClaims claims_a("a", table, answers);
  FakeClaims claims_b("b", table, answers);
  auto& a = replica(&claims_a);
  auto& b = replica(&claims_b);
  livekit.add_room("lost-webhook");
  a.reconciler->start();
  settle();
  b.reconciler->start();
  settle();
  EXPECT_TRUE(a.reconciler->leading());
  EXPECT_TRUE(b.reconciler->leading());
  EXPECT_EQ(passes(), 2U);
  // What guards against a second recording is the list of active egresses: it holds for passes
  // that do not overlap (two at the same instant may both start one: docs/guarantees.md).
  EXPECT_EQ(livekit.starts_for("lost-webhook"), 1U);
}

}  // namespace
}  // namespace ar::recorder
