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

TEST(EgressInfo, ReadsTheErrorAndItsCodeEitherWay) {
  const auto camel = parse_egress_info(
      R"({"egressId":"E","status":"EGRESS_FAILED","error":"upload failed","errorCode":403})");
  ASSERT_TRUE(camel);
  EXPECT_EQ(camel->error, "upload failed");
  EXPECT_EQ(camel->error_code, 403);
  EXPECT_EQ(parse_egress_info(R"({"egress_id":"E","error_code":"500"})")->error_code, 500);
  EXPECT_EQ(parse_egress_info(R"({"egress_id":"E","error_code":"x"})")->error_code, 0);
  EXPECT_EQ(parse_egress_info(R"({"egress_id":"E"})")->error_code, 0);
}

}  // namespace
}  // namespace ar::livekit
