// The outbox (ledger/outbox.hpp) on both databases: notifications written in the transaction that
// ends a session or a recording, once, for the endpoints that want them; claimed, settled, counted
// and sent again.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "ledger/open.hpp"
#include "store_fixture.hpp"
#include "util/wall_clock.hpp"

namespace ar::ledger {
namespace {

using testing::Backend;

class OutboxTest : public testing::StoreTest {
 protected:
  std::unique_ptr<Store> writer(std::vector<Subscription> subscriptions) const {
    Settings settings;
    settings.path = dir_.path();
    if (GetParam() == Backend::kPostgres) settings.postgres_url = testing::postgres_url();
    settings.subscriptions = std::move(subscriptions);
    return open_store(settings, Access::kWrite);
  }
  std::unique_ptr<Outbox> outbox() const {
    Settings settings;
    settings.path = dir_.path();
    if (GetParam() == Backend::kPostgres) settings.postgres_url = testing::postgres_url();
    return open_outbox(settings);
  }
};

// The outbox is written with the ledger's clock: claims come later, from one fixed moment.
std::int64_t later(std::int64_t ms) {
  static const std::int64_t from = util::unix_ms_now() + std::int64_t{3600} * 1000;
  return from + ms;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, OutboxTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, OutboxTest, ::testing::Values(Backend::kPostgres));

Recording complete(std::string id) {
  Recording r = testing::recording(std::move(id), model::EgressStatus::kComplete, 1100, 9000);
  r.files.push_back({"a.mp4", "s3://b/a.mp4", 7, 7.8});
  return r;
}

// A session recorded from start to end: the room composite EG_<sid>.
std::vector<Entry> whole_session(const std::string& sid) {
  return {RoomSeen{sid, "class-" + sid, 1000, "webhook", R"({"course":"chem"})"},
          Decided{sid, true, "top level"}, RecordingStarted{sid, "EG_" + sid, 1100, false},
          EgressReported{sid, "class-" + sid, complete("EG_" + sid)},
          RoomFinished{sid, 9100, "class-" + sid, 0, ""}};
}

TEST_P(OutboxTest, ASessionsEndWritesItsEventsOnceForEachEndpointThatWantsThem) {
  Subscription pager{"pager", true, false, {model::SessionStatus::kUnrecorded}, false};
  Subscription app{"app", true, true, {}, true};
  const auto store = writer({app, pager});
  testing::apply(*store, whole_session("RM_1"));
  // Told again (a webhook delivered twice, a reconcile pass): nothing more.
  testing::apply(*store, whole_session("RM_1"));
  const Session room = *store->room("RM_1");
  ASSERT_EQ(room.notifications.size(), 2U);  // the pager wants unrecorded sessions only
  EXPECT_EQ(room.notifications[0].type, "recording.ended");
  EXPECT_EQ(room.notifications[0].id, "msg_EG_RM_1_ended");
  EXPECT_EQ(room.notifications[0].egress_id, "EG_RM_1");
  EXPECT_EQ(room.notifications[1].type, "room_session.finished");
  EXPECT_EQ(room.notifications[1].id, "msg_RM_1_finished");
  EXPECT_EQ(room.notifications[1].status, "recorded");
  for (const Notification& n : room.notifications) {
    EXPECT_EQ(n.endpoint, "app");
    EXPECT_EQ(n.state, DeliveryState::kPending);
  }

  const auto out = outbox();
  const std::vector<Notification> claimed = out->claim(later(20000), later(30000), 10, "app");
  ASSERT_EQ(claimed.size(), 2U);
  const auto body = boost::json::parse(claimed[1].body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "room_session.finished");
  const auto& data = body.at("data").as_object();
  EXPECT_EQ(data.at("status").as_string(), "recorded");
  EXPECT_EQ(data.at("metadata").as_string(), R"({"course":"chem"})");  // app asked for it
  EXPECT_EQ(data.at("recordings").as_array().at(0).at("files").as_array().at(0).at("location"),
            "s3://b/a.mp4");
  EXPECT_EQ(claimed[1].attempts, 1);
  // Claimed: not due again before its lease ends, here or at another replica.
  EXPECT_TRUE(out->claim(later(29999), later(40000), 10, "app").empty());
  EXPECT_EQ(out->backlog().at("app").pending, 2U);
}

TEST_P(OutboxTest, AnUnrecordedSessionReachesThePagerWithWhy) {
  const auto store = writer({{"pager", true, false, {model::SessionStatus::kUnrecorded}, false}});
  testing::apply(
      *store, {RoomSeen{"RM_2", "hearing", 1000, "webhook", ""}, Decided{"RM_2", true, "top level"},
               StartFailed{"RM_2", "egress refused: no capacity"},
               RoomFinished{"RM_2", 5000, "hearing", 0, ""}});
  const std::vector<Notification> claimed = outbox()->claim(later(6000), later(7000), 10, "pager");
  ASSERT_EQ(claimed.size(), 1U);
  const auto data = boost::json::parse(claimed[0].body).at("data").as_object();
  EXPECT_EQ(data.at("status").as_string(), "unrecorded");
  EXPECT_EQ(data.at("why").as_string(), "no recording started: egress refused: no capacity");
  EXPECT_FALSE(data.contains("metadata"));
}

TEST_P(OutboxTest, NothingIsWrittenWithoutEndpoints) {
  const auto store = writer({});
  testing::apply(*store, whole_session("RM_3"));
  EXPECT_TRUE(store->room("RM_3")->notifications.empty());
  EXPECT_TRUE(outbox()->backlog().empty());
}

TEST_P(OutboxTest, SettledAsDeliveredRetriedOrFailedAndSentAgainOnRequest) {
  const auto store = writer({{"app", true, true, {}, false}});
  testing::apply(*store, whole_session("RM_4"));
  const auto out = outbox();
  std::vector<Notification> claimed = out->claim(later(20000), later(30000), 10, "app");
  ASSERT_EQ(claimed.size(), 2U);
  const std::vector<Outcome> outcomes{
      {claimed[0].id, "app", DeliveryState::kPending, later(20100), later(21100), "HTTP 503",
       claimed[0].attempts, claimed[0].next_ms},
      {claimed[1].id, "app", DeliveryState::kDelivered, later(20100), later(0), "",
       claimed[1].attempts, claimed[1].next_ms}};
  out->settle(outcomes);
  EXPECT_TRUE(out->claim(later(21099), later(40000), 10, "app").empty());
  claimed = out->claim(later(21100), later(40000), 10, "app");  // due again when the back-off ends
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].attempts, 2);
  const std::vector<Outcome> gone{{claimed[0].id, "app", DeliveryState::kFailed, later(21200),
                                   later(0), "HTTP 410", claimed[0].attempts, claimed[0].next_ms}};
  out->settle(gone);
  EXPECT_TRUE(out->backlog().empty());
  const Session room = *store->room("RM_4");
  EXPECT_EQ(room.notifications[0].state, DeliveryState::kFailed);
  EXPECT_EQ(room.notifications[0].last_error, "HTTP 410");
  EXPECT_EQ(room.notifications[1].state, DeliveryState::kDelivered);
  EXPECT_EQ(room.notifications[1].delivered_ms, later(20100));

  // The operator fixed the receiver: the window's events are due again, delivered ones too.
  EXPECT_EQ(out->resend(0, model::SessionStatus::kUnrecorded, "", later(30000)), 0U);
  EXPECT_EQ(out->resend(0, std::nullopt, "other", later(30000)), 0U);
  EXPECT_EQ(out->resend(0, model::SessionStatus::kRecorded, "app", later(30000)), 2U);
  EXPECT_EQ(out->resend(0, std::nullopt, "", later(30000)), 2U);  // no filter: every event
  // They wait from the resend: give-up and the oldest-pending gauge count from there.
  EXPECT_EQ(out->backlog().at("app").oldest_ms, later(30000));
  EXPECT_EQ(out->claim(later(30000), later(40000), 10, "app").size(), 2U);
}

TEST_P(OutboxTest, AnAnswerComingAfterItsClaimWasTakenOverIsNotWritten) {
  const auto store = writer({{"app", true, false, {}, false}});
  testing::apply(*store, whole_session("RM_7"));
  const auto out = outbox();
  const std::vector<Notification> first = out->claim(later(0), later(10000), 10, "app");
  ASSERT_EQ(first.size(), 1U);
  // The lease ran out (this replica hung): another claims it and delivers it.
  const std::vector<Notification> second = out->claim(later(10000), later(20000), 10, "app");
  ASSERT_EQ(second.size(), 1U);
  const std::vector<Outcome> delivered{{second[0].id, "app", DeliveryState::kDelivered,
                                        later(10100), 0, "", second[0].attempts,
                                        second[0].next_ms}};
  out->settle(delivered);
  // The first's answer, late: a 410 that would fail what was delivered. Not written.
  const std::vector<Outcome> late{{first[0].id, "app", DeliveryState::kFailed, later(10200), 0,
                                   "HTTP 410", first[0].attempts, first[0].next_ms}};
  out->settle(late);
  EXPECT_EQ(store->room("RM_7")->notifications.at(0).state, DeliveryState::kDelivered);
}

TEST_P(OutboxTest, ARecordingsEndIsToldWhileItsRoomLivesOn) {
  const auto store = writer({{"app", true, true, {}, false}});
  testing::apply(
      *store, {RoomSeen{"RM_5", "class", 1000, "webhook", ""}, Decided{"RM_5", true, "top level"},
               RecordingStarted{"RM_5", "EG_a", 1100, false},
               EgressReported{"RM_5", "class", complete("EG_a")}});
  const std::vector<Notification> claimed = outbox()->claim(later(20000), later(30000), 10, "app");
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].type, "recording.ended");
  const auto data = boost::json::parse(claimed[0].body).at("data").as_object();
  EXPECT_EQ(data.at("room").at("sid").as_string(), "RM_5");
  EXPECT_EQ(data.at("recording").at("files").as_array().size(), 1U);
}

TEST_P(OutboxTest, SessionsForgottenTakeTheirNotificationsWithThem) {
  const auto store = writer({{"app", true, true, {}, false}});
  testing::apply(*store, whole_session("RM_6"));
  while (!store->prune(2000, 100).done) {
  }
  EXPECT_TRUE(outbox()->backlog().empty());
}

// The notifier and `notify resend` never make a ledger: a file deleted under the service is made
// anew by its writer (which says so), and a resend in the wrong directory is an error, not "0".
TEST_P(OutboxTest, IsNeverMadeWhereTheWriterMadeNoLedger) {
  const std::string why = GetParam() == Backend::kSqlite
                              ? "is ledger.path (LEDGER_PATH) the service's ledger file?"
                              : "holds no ledger yet";
  try {
    (void)outbox();
    ADD_FAILURE() << "an outbox opened where no ledger is";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path()));
  (void)writer({});
  EXPECT_TRUE(outbox()->backlog().empty());
}

}  // namespace
}  // namespace ar::ledger
