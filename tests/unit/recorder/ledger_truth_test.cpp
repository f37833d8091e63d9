// The ledger converges to what LiveKit says, whatever becomes of the webhooks: every order of the
// five that matter (room_started, egress_started, egress_updated, egress_ended, room_finished),
// with each one lost in turn, and egress_ended and room_finished lost together; each with the
// recorder restarted in between or not, and with a recording that completes or fails as its room
// closes. In every case, within three reconcile passes, the session's row is the true one:
// its status, its end, and its one recording with LiveKit's status, end and files.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <memory>

#include "recorder/process.hpp"
#include "telemetry/log.hpp"

namespace ar::recorder {
namespace {

using model::EgressStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;

enum Hook { kRoomStarted, kEgressStarted, kEgressUpdated, kEgressEnded, kRoomFinished };
constexpr std::array<std::string_view, 5> kHookNames{
    "room_started", "egress_started", "egress_updated", "egress_ended", "room_finished"};

// What happens in LiveKit, in this order, whatever the webhooks do.
enum class Reality { kRoomCreated, kEgressStarted, kEgressActive, kRoomClosed };

// One recorder process (restarted at will) against one LiveKit and one ledger that outlive it.
class World {
 public:
  World(bool fails_at_close, testing::MemoryLedger& ledger)
      : ledger(ledger), fails_at_close_(fails_at_close) {
    ledger.clear();
    ledger.answer_through(&answers);
    // Quiet: a recording that fails as its room closes is logged as an error, in every case.
    log::setup({.level = log::Level::kError});
    spdlog::set_level(spdlog::level::off);
    livekit.use_clock(timers);
    livekit.require_rooms = true;
    delivery.reconcile_interval = seconds(1);
    start();
    settle(milliseconds(0));  // the first pass finds no room
    room_ = livekit.add_room("hearing-7", "RM_7");
  }

  void start() { process_.start(); }
  void restart() { process_.restart(); }
  void settle(milliseconds within) { testing::settle(answers, timers, within); }

  // Moves LiveKit on to `step`: the recorder must start the recording itself, from the webhook
  // it got or from a reconcile pass; the room lives a few seconds, then closes.
  void advance_to(Reality step) {
    while (reality_ < step) {
      switch (reality_) {
        case Reality::kRoomCreated:
          for (int pass = 0; pass < 3 && egress_id_.empty(); ++pass) {
            settle(pass == 0 ? milliseconds(0) : delivery.reconcile_interval);
            for (const auto& e : livekit.egresses()) {
              if (e.room_id == room_.sid) egress_id_ = e.egress_id;
            }
          }
          ASSERT_FALSE(egress_id_.empty()) << "the recorder never started the recording";
          started_ = livekit.egress(egress_id_);
          reality_ = Reality::kEgressStarted;
          break;
        case Reality::kEgressStarted:
          livekit.set_status(egress_id_, EgressStatus::kActive);
          active_ = livekit.egress(egress_id_);
          reality_ = Reality::kEgressActive;
          break;
        case Reality::kEgressActive:
          settle(milliseconds(3500));
          livekit.close_room(room_.name,
                             fails_at_close_ ? EgressStatus::kFailed : EgressStatus::kComplete);
          closed_ms_ = livekit.now_ms();
          ended_ = livekit.egress(egress_id_);
          reality_ = Reality::kRoomClosed;
          break;
        case Reality::kRoomClosed:
          break;
      }
    }
  }

  void deliver(Hook hook) {
    livekit::WebhookEvent event;
    event.id = "EV_" + std::to_string(hook);
    event.event = std::string(kHookNames.at(hook));
    event.kind = livekit::event_kind(event.event);
    event.created_at = livekit.now_ms() / 1000;
    switch (hook) {
      case kRoomStarted:
        event.room = room_;
        break;
      case kEgressStarted:
        advance_to(Reality::kEgressStarted);
        event.egress = started_;
        break;
      case kEgressUpdated:
        advance_to(Reality::kEgressActive);
        event.egress = active_;
        break;
      case kEgressEnded:
        advance_to(Reality::kRoomClosed);
        event.egress = ended_;
        break;
      case kRoomFinished:
        advance_to(Reality::kRoomClosed);
        event.created_at = closed_ms_ / 1000;
        event.room = room_;
        break;
    }
    process_.recorder().on_webhook(event);
    settle(milliseconds(0));
  }

  // What is wrong with the ledger's row, compared with LiveKit; empty when it is true.
  std::string untrue(bool room_finished_lost) {
    const auto row = ledger.store.room(room_.sid);
    if (!row) return "the session is not in the ledger";
    const auto expected = fails_at_close_ ? ledger::Status::kPartial : ledger::Status::kRecorded;
    std::string why;
    const auto check = [&](bool ok, const std::string& what) {
      if (!ok) why += what + "; ";
    };
    check(row->status == expected, "status " + std::string(model::to_string(row->status)));
    check(std::abs(row->finished_ms - closed_ms_) < 1000,
          "finished " + std::to_string(row->finished_ms - closed_ms_) + " ms from the close");
    check(row->closed_by == (room_finished_lost ? "reconciler" : ""),
          "closed_by \"" + row->closed_by + "\"");
    check(ledger.ended == std::vector<ledger::Status>{expected},
          std::to_string(ledger.ended.size()) + " ends counted");
    const auto egresses = std::count_if(livekit.egresses().begin(), livekit.egresses().end(),
                                        [&](const auto& e) { return e.room_id == room_.sid; });
    check(egresses == 1, std::to_string(egresses) + " recordings started");
    check(row->start_error.empty() && row->restarts == 0, "start_error or restarts");
    if (row->recordings.size() != 1)
      return why + "recordings: " + std::to_string(row->recordings.size());
    const ledger::Recording& r = row->recordings[0];
    check(r.egress_id == egress_id_, "egress " + r.egress_id);
    check(r.status == ended_.status, "recording status " + std::string(model::to_string(r.status)));
    check(r.ended_ms == ended_.results.ended_at_ns / 1'000'000, "recording end");
    check(r.closed_by.empty(), "recording closed by " + r.closed_by);
    if (fails_at_close_) {
      check(r.error == ended_.error, "error \"" + r.error + "\"");
    } else {
      check(r.files.size() == 1 && r.files[0].location == ended_.results.files.at(0).location &&
                r.files[0].size == ended_.results.files.at(0).size,
            "files");
    }
    return why;
  }

  testing::Answers answers;
  testing::ManualTimers timers;
  testing::FakeLiveKit livekit{answers};
  testing::MemoryLedger& ledger;  // answers through `answers`
  Delivery delivery;

 private:
  bool fails_at_close_;
  recording::Plan top_level_;
  std::vector<recording::Rule> rules_;
  recording::Policy policy_{top_level_, rules_};
  testing::RecorderProcess process_{policy_, delivery, livekit, timers, answers, ledger};
  livekit::Room room_;
  Reality reality_ = Reality::kRoomCreated;
  std::string egress_id_;
  livekit::EgressInfo started_;
  livekit::EgressInfo active_;
  livekit::EgressInfo ended_;
  std::int64_t closed_ms_ = 0;
};

struct Case {
  std::vector<Hook> delivered;  // in this order
  bool room_finished_lost = false;
  int restart_after = -1;  // delivered webhooks before the restart; -1: none
  bool fails_at_close = false;

  std::string describe() const {
    std::string out = "delivered:";
    for (const Hook h : delivered) {
      out += ' ';
      out += kHookNames.at(h);
    }
    if (restart_after >= 0) {
      out += "; restart after ";
      out += std::to_string(restart_after);
    }
    if (fails_at_close) out += "; fails as the room closes";
    return out;
  }
};

std::vector<Case> every_case() {
  std::vector<std::vector<Hook>> lost_sets{{}};
  for (int h = 0; h < 5; ++h) lost_sets.push_back({static_cast<Hook>(h)});
  lost_sets.push_back({kEgressEnded, kRoomFinished});
  std::vector<Case> cases;
  for (const auto& lost : lost_sets) {
    std::vector<Hook> delivered;
    for (int h = 0; h < 5; ++h) {
      if (std::find(lost.begin(), lost.end(), h) == lost.end()) delivered.push_back(Hook(h));
    }
    do {
      for (const int restart_after : {-1, 1, 3}) {
        for (const bool fails : {false, true}) {
          const bool finished_lost =
              std::find(lost.begin(), lost.end(), kRoomFinished) != lost.end();
          cases.push_back({delivered, finished_lost, restart_after, fails});
        }
      }
    } while (std::next_permutation(delivered.begin(), delivered.end()));
  }
  return cases;
}

TEST(LedgerTruth, EveryOrderOfTheFiveWebhooksWithAnyLostConvergesWithinThreePasses) {
  const std::vector<Case> cases = every_case();
  EXPECT_EQ(cases.size(), (120U + 5U * 24U + 6U) * 3U * 2U);
  std::size_t untrue = 0;
  testing::MemoryLedger ledger;
  for (const Case& c : cases) {
    World world(c.fails_at_close, ledger);
    for (std::size_t i = 0; i < c.delivered.size(); ++i) {
      if (static_cast<int>(i) == c.restart_after) world.restart();
      world.deliver(c.delivered[i]);
    }
    world.advance_to(Reality::kRoomClosed);
    for (int pass = 0; pass < 3; ++pass) world.settle(world.delivery.reconcile_interval);
    const std::string why = world.untrue(c.room_finished_lost);
    if (!why.empty() && ++untrue <= 10) ADD_FAILURE() << c.describe() << ": " << why;
  }
  EXPECT_EQ(untrue, 0U) << "cases whose ledger row is not what LiveKit says (the first 10 above)";
}

}  // namespace
}  // namespace ar::recorder
