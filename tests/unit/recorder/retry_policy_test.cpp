#include "recorder/retry_policy.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ar::recorder {
namespace {

using std::chrono::milliseconds;

livekit::TwirpReply reply(std::string code, long status) {
  livekit::TwirpReply r;
  r.code = std::move(code);
  r.http_status = status;
  return r;
}

TEST(Classify, LiveKitsTransientErrorsAreRetried) {
  for (const char* code : {"unavailable", "internal", "deadline_exceeded", "resource_exhausted",
                           "aborted", "unknown", "connection_error", "dataloss"}) {
    EXPECT_EQ(classify(reply(code, 503)), Failure::kTransient) << code;
  }
  EXPECT_EQ(classify(reply("connection_error", 0)), Failure::kTransient);
  EXPECT_EQ(classify(reply("http_502", 502)), Failure::kTransient);
  EXPECT_EQ(classify(reply("http_429", 429)), Failure::kTransient);
  EXPECT_EQ(classify(reply("some_future_code", 500)), Failure::kTransient);
}

TEST(Classify, RequestErrorsAreNotRetried) {
  for (const char* code : {"invalid_argument", "malformed", "unauthenticated", "permission_denied",
                           "bad_route", "failed_precondition", "unimplemented"}) {
    EXPECT_EQ(classify(reply(code, 400)), Failure::kPermanent) << code;
  }
  EXPECT_EQ(classify(reply("http_404", 404)), Failure::kPermanent);
  EXPECT_EQ(classify(reply("http_403", 403)), Failure::kPermanent);
}

TEST(Classify, NotFoundMeansTheRoomIsGone) {
  EXPECT_EQ(classify(reply("not_found", 404)), Failure::kRoomGone);
}

TEST(Backoff, FirstRetryWaitsExactlyTheInitialDelay) {
  Backoff backoff(milliseconds(1000), milliseconds(30000), 42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(backoff.delay(0), milliseconds(1000));
}

TEST(Backoff, LaterRetriesStayWithinTheDoublingCeilingAndTheCap) {
  Backoff backoff(milliseconds(1000), milliseconds(30000), 7);
  for (unsigned retry = 1; retry < 40; ++retry) {
    const auto ceiling = std::min<std::int64_t>(30000, 1000LL << std::min(retry, 20U));
    for (int i = 0; i < 200; ++i) {
      const auto delay = backoff.delay(retry).count();
      EXPECT_GE(delay, 1000) << retry;
      EXPECT_LE(delay, ceiling) << retry;
    }
  }
}

TEST(Backoff, IsJitteredSoRoomsDoNotRetryTogether) {
  Backoff backoff(milliseconds(1000), milliseconds(30000), 1);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 50; ++i) seen.insert(backoff.delay(4).count());
  EXPECT_GT(seen.size(), 20U);
}

TEST(Backoff, HugeRetryCountsDoNotOverflow) {
  Backoff backoff(milliseconds(1000) * 3600 * 24 * 300, milliseconds(1000) * 3600 * 24 * 365, 3);
  EXPECT_LE(backoff.delay(1000).count(), 1000LL * 3600 * 24 * 365);
  EXPECT_GE(backoff.delay(1000).count(), 1000LL * 3600 * 24 * 300);
}

}  // namespace
}  // namespace ar::recorder
