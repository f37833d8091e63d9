#include "livekit/twirp_error.hpp"

#include <gtest/gtest.h>

namespace ar::livekit {
namespace {

TEST(Classify, LiveKitsTransientErrorsAreRetried) {
  for (const char* code : {"unavailable", "internal", "deadline_exceeded", "resource_exhausted",
                           "aborted", "unknown", "connection_error", "dataloss"}) {
    EXPECT_EQ(classify(code, 503), Failure::kTransient) << code;
  }
  EXPECT_EQ(classify("connection_error", 0), Failure::kTransient);
  EXPECT_EQ(classify("http_502", 502), Failure::kTransient);
  EXPECT_EQ(classify("http_429", 429), Failure::kTransient);
  EXPECT_EQ(classify("some_future_code", 500), Failure::kTransient);
}

TEST(Classify, RequestErrorsAreNotRetried) {
  for (const char* code : {"invalid_argument", "malformed", "unauthenticated", "permission_denied",
                           "bad_route", "failed_precondition", "unimplemented"}) {
    EXPECT_EQ(classify(code, 400), Failure::kPermanent) << code;
  }
  EXPECT_EQ(classify("http_404", 404), Failure::kPermanent);
  EXPECT_EQ(classify("http_403", 403), Failure::kPermanent);
}

// The proxy's own answers: its 407 and a redirect are its configuration (not retried), its 5xx
// (LiveKit unreachable from it) is retried; all are named the proxy's and counted apart.
TEST(Classify, TheProxysAnswersAreItsOwn) {
  const TwirpReply refused = proxy_reply(407, "the proxy refused the credentials");
  EXPECT_EQ(refused.code, "proxy_407");
  EXPECT_EQ(refused.http_status, 407U);
  EXPECT_EQ(classify(refused.code, 407), Failure::kPermanent);
  EXPECT_EQ(classify("proxy_302", 302), Failure::kPermanent);
  EXPECT_EQ(classify("proxy_403", 403), Failure::kPermanent);
  EXPECT_EQ(classify("proxy_502", 502), Failure::kTransient);
  EXPECT_EQ(classify("proxy_500", 500), Failure::kTransient);
  EXPECT_EQ(classify("proxy_429", 429), Failure::kTransient);
  EXPECT_EQ(outcome_of("proxy_407"), "proxy_error");
}

TEST(Classify, NotFoundMeansTheRoomIsGone) {
  EXPECT_EQ(classify("not_found", 404), Failure::kRoomGone);
}

TEST(Outcome, KnownCodesAreTheirOwnLabelOthersAreFolded) {
  EXPECT_EQ(outcome_of(""), "ok");
  EXPECT_EQ(outcome_of("unavailable"), "unavailable");
  EXPECT_EQ(outcome_of("http_502"), "http_error");
  EXPECT_EQ(outcome_of("some_future_code"), "other");
  for (std::string_view outcome : call_outcomes()) {
    if (outcome != "ok" && outcome != "http_error" && outcome != "proxy_error") {
      EXPECT_EQ(outcome_of(outcome), outcome);
    }
  }
}

}  // namespace
}  // namespace ar::livekit
