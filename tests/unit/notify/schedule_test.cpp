// What an attempt's answer means: delivered, failed for good, or when it is tried again.
#include "notify/schedule.hpp"

#include <gtest/gtest.h>

namespace ar::notify {
namespace {

using std::chrono::milliseconds;

ledger::Notification sent(std::int64_t attempts, std::int64_t due_since_ms = 0) {
  ledger::Notification n;
  n.id = "msg_RM_1_finished";
  n.endpoint = "app";
  n.attempts = attempts;
  n.due_since_ms = due_since_ms;
  return n;
}

TEST(Schedule, BackOffStartsNearOneSecondAndDoublesToItsCapWithJitter) {
  const milliseconds cap = std::chrono::minutes(5);
  EXPECT_EQ(backoff(1, cap, 0.5), milliseconds(1000));
  EXPECT_EQ(backoff(2, cap, 0.5), milliseconds(2000));
  EXPECT_EQ(backoff(5, cap, 0.5), milliseconds(16000));
  EXPECT_EQ(backoff(30, cap, 0.5), cap);
  EXPECT_EQ(backoff(1000, cap, 0.5), cap);  // no overflow
  EXPECT_EQ(backoff(1, cap, 0.0), milliseconds(800));
  EXPECT_EQ(backoff(1, cap, 1.0), milliseconds(1200));
}

TEST(Schedule, TwoHundredsAreDeliveredOtherFourHundredsFailForGood) {
  const Settings settings;
  EXPECT_EQ(outcome_of(sent(1), {204}, 5000, settings, 0.5).state,
            ledger::DeliveryState::kDelivered);
  const ledger::Outcome gone = outcome_of(sent(1), {410}, 5000, settings, 0.5);
  EXPECT_EQ(gone.state, ledger::DeliveryState::kFailed);
  EXPECT_EQ(gone.error, "HTTP 410");
  for (const unsigned status : {407U, 408U, 429U, 500U, 503U, 301U}) {
    const ledger::Outcome again = outcome_of(sent(1), {status}, 5000, settings, 0.5);
    EXPECT_EQ(again.state, ledger::DeliveryState::kPending) << status;
    EXPECT_EQ(again.next_ms, 6000) << status;
  }
  EXPECT_EQ(outcome_of(sent(1), {301}, 5000, settings, 0.5).error,
            "HTTP 301 (redirects are not followed)");
  const ledger::Outcome refused =
      outcome_of(sent(3), {0, std::nullopt, "Connection refused"}, 5000, settings, 0.5);
  EXPECT_EQ(refused.next_ms, 9000);
  EXPECT_EQ(refused.error, "Connection refused");
}

TEST(Schedule, RetryAfterIsHonouredWhenLonger) {
  const Settings settings;
  EXPECT_EQ(outcome_of(sent(1), {429, std::chrono::seconds(30)}, 5000, settings, 0.5).next_ms,
            35000);
  EXPECT_EQ(outcome_of(sent(5), {503, std::chrono::seconds(1)}, 5000, settings, 0.5).next_ms,
            21000);
  // A Retry-After past give_up_after is no reason to wait that long: it fails at once.
  const ledger::Outcome far =
      outcome_of(sent(1), {429, std::chrono::hours(48)}, 5000, settings, 0.5);
  EXPECT_EQ(far.state, ledger::DeliveryState::kFailed);
  EXPECT_EQ(far.error, "gave up after 24h: HTTP 429");
}

TEST(Schedule, GivenUpOnceTheNextAttemptWouldBePastGiveUpAfter) {
  Settings settings;
  settings.give_up_after = std::chrono::hours(1);
  const std::int64_t hour = 3600 * 1000;
  EXPECT_EQ(outcome_of(sent(9, 0), {500}, hour - 300000, settings, 0.5).state,
            ledger::DeliveryState::kPending);
  const ledger::Outcome given_up = outcome_of(sent(9, 0), {500}, hour - 1000, settings, 0.5);
  EXPECT_EQ(given_up.state, ledger::DeliveryState::kFailed);
  EXPECT_EQ(given_up.error, "gave up after 1h: HTTP 500");
}

TEST(HttpPost, RetryAfterIsSecondsOrAnHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(1'800'000'000);
  EXPECT_EQ(parse_retry_after("120", now), std::chrono::seconds(120));
  EXPECT_EQ(parse_retry_after("Fri, 15 Jan 2027 08:00:30 GMT", now), std::chrono::seconds(30));
  EXPECT_EQ(parse_retry_after("Fri, 15 Jan 2027 07:00:00 GMT", now), std::chrono::seconds(0));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_EQ(parse_retry_after("Fri, 15 Jan 9999 08:00:30 GMT", now), std::chrono::hours(24 * 30));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_EQ(parse_retry_after("100000000000000000", now), std::chrono::hours(24 * 30));
}

TEST(HttpPost, TargetsAreHttpOrHttpsWithPathQueryAndCredentials) {
  const auto t = parse_target("https://hook:pw@app.example.com/hooks/rec?x=1");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->authority, "app.example.com:443");
  EXPECT_EQ(t->host_header, "app.example.com");
  EXPECT_EQ(parse_target("http://127.0.0.1:9000/h")->host_header, "127.0.0.1:9000");
  EXPECT_EQ(t->path, "/hooks/rec?x=1");
  EXPECT_EQ(t->basic, "Basic aG9vazpwdw==");
  EXPECT_EQ(parse_target("http://127.0.0.1:9000")->path, "/");
  EXPECT_FALSE(parse_target("ftp://x/"));
  EXPECT_FALSE(parse_target("app.example.com/hooks"));
}

}  // namespace
}  // namespace ar::notify
