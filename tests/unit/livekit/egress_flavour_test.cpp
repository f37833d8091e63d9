// Which start call LiveKit has, as its answers tell it (livekit/egress_flavour.hpp).
#include "livekit/egress_flavour.hpp"

#include <gtest/gtest.h>

namespace ar::livekit {
namespace {

TwirpReply answer(unsigned status, std::string code, std::string message) {
  return {status, std::move(code), std::move(message), {}};
}

TEST(EgressFlavour, OnlyTheAnswersOfAServerWithoutTheCallMeanItLacksIt) {
  EXPECT_TRUE(lacks_unified(answer(404, "bad_route", "no handler for path")));
  EXPECT_TRUE(lacks_unified(answer(500, "unknown", "not implemented")));
  EXPECT_TRUE(lacks_unified(answer(500, "unknown", "StartEgress: Not Implemented")));
  EXPECT_TRUE(lacks_unified(answer(501, "unimplemented", "")));

  EXPECT_FALSE(lacks_unified(answer(404, "not_found", "requested room does not exist")));
  EXPECT_FALSE(lacks_unified(answer(404, "http_404", "")));
  EXPECT_FALSE(lacks_unified(answer(500, "unknown", "egress failed")));
  EXPECT_FALSE(lacks_unified(answer(500, "internal", "not implemented")));
  EXPECT_FALSE(lacks_unified(answer(503, "unavailable", "no egress")));
  EXPECT_FALSE(lacks_unified(answer(0, "connection_error", "")));
  EXPECT_FALSE(lacks_unified(answer(200, "", "")));
}

TEST(EgressFlavour, ParsesItsThreeNames) {
  EXPECT_EQ(parse_egress_flavour("auto"), EgressFlavour::kAuto);
  EXPECT_EQ(parse_egress_flavour("legacy"), EgressFlavour::kLegacy);
  EXPECT_EQ(parse_egress_flavour("unified"), EgressFlavour::kUnified);
  EXPECT_FALSE(parse_egress_flavour("new"));
}

TEST(EgressFlavour, AutoLearnsOnceAndFollowsALiveKitRolledBack) {
  EgressFlavourChoice choice(EgressFlavour::kAuto);
  EXPECT_TRUE(choice.unified()) << "unified until told otherwise";
  EXPECT_TRUE(choice.confirm_unified());
  EXPECT_FALSE(choice.confirm_unified()) << "already known";
  EXPECT_EQ(choice.in_use(), "unified");
  EXPECT_TRUE(choice.fall_back()) << "LiveKit rolled back to a version without it";
  EXPECT_FALSE(choice.unified());
  EXPECT_FALSE(choice.fall_back());
  EXPECT_EQ(choice.in_use(), "legacy");
}

TEST(EgressFlavour, AConfiguredChoiceNeverChanges) {
  EgressFlavourChoice legacy(EgressFlavour::kLegacy);
  EXPECT_FALSE(legacy.unified());
  EXPECT_FALSE(legacy.confirm_unified());
  EXPECT_FALSE(legacy.unified());
  EgressFlavourChoice unified(EgressFlavour::kUnified);
  EXPECT_FALSE(unified.fall_back());
  EXPECT_TRUE(unified.unified());
  EXPECT_EQ(unified.in_use(), "unified");
}

}  // namespace
}  // namespace ar::livekit
