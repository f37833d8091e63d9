#include "livekit/egress_info.hpp"

#include <gtest/gtest.h>

namespace ar::livekit {
namespace {

TEST(EgressInfo, ReadsAStartAnswerAndNamesStatuses) {
  const auto info =
      parse_egress_info(R"({"egress_id":"EG_1","room_id":"","status":"EGRESS_STARTING"})");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->egress_id, "EG_1");
  EXPECT_EQ(info->status, EgressStatus::kStarting);
  EXPECT_FALSE(parse_egress_info("{}")) << "no egress id";
  EXPECT_FALSE(parse_egress_info("oops"));
  EXPECT_EQ(parse_egress_info(R"({"egressId":"E","status":"EGRESS_NEWER"})")->status,
            EgressStatus::kUnknown);
  EXPECT_EQ(to_string(EgressStatus::kLimitReached), "EGRESS_LIMIT_REACHED");
  EXPECT_TRUE(is_active(EgressStatus::kEnding));
  EXPECT_FALSE(is_active(EgressStatus::kComplete));
  EXPECT_TRUE(is_failure(EgressStatus::kAborted));
  EXPECT_FALSE(is_failure(EgressStatus::kComplete));
  EXPECT_FALSE(is_failure(EgressStatus::kUnknown));
}

}  // namespace
}  // namespace ar::livekit
