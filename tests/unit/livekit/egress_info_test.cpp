#include "livekit/egress_info.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

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

// An egress_ended webhook's EgressInfo says what it records by its request field, in either
// JSON spelling; the unified request by its source.
TEST(EgressInfo, NamesTheKindOfRecordingByItsRequest) {
  const auto kind = [](std::string_view json) {
    const auto info = read_egress_info(boost::json::parse(json).as_object());
    return info ? model::to_string(info->kind) : "none";
  };
  EXPECT_EQ(kind(R"({"egressId":"E","roomComposite":{"layout":"grid"}})"), "room_composite");
  EXPECT_EQ(kind(R"({"egress_id":"E","track_composite":{}})"), "track_composite");
  EXPECT_EQ(kind(R"({"egressId":"E","participant":{"identity":"p"}})"), "participant");
  EXPECT_EQ(kind(R"({"egressId":"E","egress":{"template":{},"outputs":[]}})"), "room_composite");
  EXPECT_EQ(kind(R"({"egressId":"E","egress":{"media":{}}})"), "other");
  EXPECT_EQ(kind(R"({"egressId":"E","file":{"filename":"f"}})"), "other");
  EXPECT_FALSE(read_egress_info(boost::json::parse(R"({"track":{}})").as_object()));
}

}  // namespace
}  // namespace ar::livekit
