// The vocabulary's tables: every value has one name that parses back, and the questions asked of
// an egress status split the statuses the way docs/ledger.md says.
#include <gtest/gtest.h>

#include "model/egress_status.hpp"
#include "model/session_status.hpp"

namespace ar::model {
namespace {

constexpr EgressStatus kAll[] = {EgressStatus::kStarting,    EgressStatus::kActive,
                                 EgressStatus::kEnding,      EgressStatus::kComplete,
                                 EgressStatus::kFailed,      EgressStatus::kAborted,
                                 EgressStatus::kLimitReached};

TEST(Vocabulary, EveryEgressStatusHasOneNameThatParsesBackAndItsProtoNumber) {
  for (std::size_t i = 0; i < std::size(kAll); ++i) {
    EXPECT_EQ(egress_status_named(to_string(kAll[i])), kAll[i]);
    EXPECT_EQ(egress_status_numbered(static_cast<std::int64_t>(i)), kAll[i]);
  }
  EXPECT_EQ(to_string(EgressStatus::kLimitReached), "EGRESS_LIMIT_REACHED");
  EXPECT_EQ(egress_status_named("EGRESS_PAUSED"), EgressStatus::kUnknown);
  EXPECT_EQ(egress_status_numbered(7), EgressStatus::kUnknown);
  EXPECT_EQ(to_string(EgressStatus::kUnknown), "EGRESS_UNKNOWN");
}

TEST(Vocabulary, AnEgressStatusIsActiveOrFinalOrUnknownNeverTwo) {
  for (const EgressStatus status : kAll) {
    EXPECT_NE(is_active(status), is_final(status)) << to_string(status);
    EXPECT_EQ(is_final(status), status == EgressStatus::kComplete || is_failure(status));
  }
  EXPECT_FALSE(is_active(EgressStatus::kUnknown) || is_final(EgressStatus::kUnknown));
  EXPECT_TRUE(is_failure(EgressStatus::kLimitReached));
  EXPECT_FALSE(is_failure(EgressStatus::kComplete));
}

TEST(Vocabulary, SessionStatusesAreListedForMessagesInTheirOrder) {
  EXPECT_EQ(kSessionStatusNames.listed(),
            "recording, recorded, partial, stopped, skipped or unrecorded");
  EXPECT_EQ(kSessionStatusNames.named("partial"), SessionStatus::kPartial);
  EXPECT_EQ(kSessionStatusNames.named("done"), std::nullopt);
}

}  // namespace
}  // namespace ar::model
