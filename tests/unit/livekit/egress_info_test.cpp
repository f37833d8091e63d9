#include "livekit/egress_info.hpp"

#include <gtest/gtest.h>

namespace ar::livekit {
namespace {

TEST(EgressInfo, ReadsListEgressRepliesInEitherNaming) {
  const auto items = parse_egress_list(
      R"({"items":[{"egress_id":"EG_1","room_id":"RM_1","room_name":"a","status":"EGRESS_ACTIVE","room_composite":{"room_name":"a"}},)"
      R"({"egressId":"EG_3","roomName":"b","status":4,"roomComposite":{},"error":"pipeline"},)"
      R"({"egressId":"EG_4","roomName":"c","roomComposite":{}}],"next_page_token":null})");
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 3U);
  EXPECT_EQ((*items)[0].room_id, "RM_1");
  EXPECT_EQ((*items)[0].status, EgressStatus::kActive);
  EXPECT_EQ((*items)[1].status, EgressStatus::kFailed) << "statuses as numbers too";
  EXPECT_EQ((*items)[1].error, "pipeline");
  EXPECT_EQ((*items)[2].status, EgressStatus::kStarting) << "the zero value is left out";
  EXPECT_EQ(parse_egress_list("{}")->size(), 0U);
  EXPECT_FALSE(parse_egress_list(R"({"items":{}})"));
  EXPECT_FALSE(parse_egress_list("<html>"));
}

// A recording of the whole room counts whichever API started it (livekit-server 1.13.2+ has
// StartEgress; a template source is the room composite's equivalent).
TEST(EgressInfo, TellsRoomRecordingsFromOtherEgresses) {
  const auto items = parse_egress_list(
      R"({"items":[)"
      R"({"egressId":"EG_1","roomName":"a","roomComposite":{"roomName":"a"}},)"
      R"({"egress_id":"EG_2","room_name":"a","room_composite":{}},)"
      R"({"egressId":"EG_3","roomName":"a","egress":{"roomName":"a","template":{"layout":"grid"}}},)"
      R"({"egressId":"EG_4","roomName":"a","egress":{"roomName":"a","web":{"url":"https://x"}}},)"
      R"({"egressId":"EG_5","roomName":"a","egress":{"roomName":"a","media":{}}},)"
      R"({"egressId":"EG_6","roomName":"a","track":{"trackId":"TR"}},)"
      R"({"egressId":"EG_7","roomName":"a","participant":{"identity":"p"}},)"
      R"({"egressId":"EG_8","roomName":"a","web":{"url":"https://x"}}]})");
  ASSERT_TRUE(items);
  std::vector<bool> records;
  for (const EgressInfo& info : *items) records.push_back(info.records_room);
  EXPECT_EQ(records, (std::vector<bool>{true, true, true, false, false, false, false, false}));
}

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
