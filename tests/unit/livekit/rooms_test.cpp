#include "livekit/rooms.hpp"

#include <gtest/gtest.h>

#include "livekit/egress.hpp"

namespace ar::livekit {
namespace {

TEST(Rooms, ReadsListRoomsReplies) {
  const auto rooms = parse_room_list(
      R"({"rooms":[{"sid":"RM_1","name":"a","metadata":"{\"record\":false}","num_participants":2},)"
      R"({"sid":"RM_2","name":"b"}]})");
  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 2U);
  EXPECT_EQ((*rooms)[0].metadata, R"({"record":false})");
  EXPECT_EQ((*rooms)[1].sid, "RM_2");
  EXPECT_EQ(parse_room_list("{}")->size(), 0U);
  EXPECT_FALSE(parse_room_list(R"({"rooms":{}})"));
  EXPECT_FALSE(parse_room_list("<html>"));
  EXPECT_EQ(list_rooms_request({}), "{}");
  EXPECT_EQ(list_rooms_request({"a"}), R"({"names":["a"]})");
}

TEST(Egress, ReadsListEgressRepliesAndTellsRoomCompositesApart) {
  const auto items = parse_egress_list(
      R"({"items":[{"egress_id":"EG_1","room_name":"a","status":"EGRESS_ACTIVE","room_composite":{"room_name":"a"}},)"
      R"({"egress_id":"EG_2","room_name":"a","status":"EGRESS_ACTIVE","track":{"track_id":"TR"}},)"
      R"({"egressId":"EG_3","roomName":"b","status":4,"roomComposite":{}},)"
      R"({"egressId":"EG_4","roomName":"c","roomComposite":{}}],"next_page_token":null})");
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 4U);
  EXPECT_TRUE((*items)[0].room_composite);
  EXPECT_FALSE((*items)[1].room_composite);
  EXPECT_EQ((*items)[2].status, "EGRESS_FAILED");
  EXPECT_EQ((*items)[3].status, "EGRESS_STARTING");  // zero value left out
  EXPECT_TRUE(is_active_status("EGRESS_ENDING"));
  EXPECT_FALSE(is_active_status("EGRESS_LIMIT_REACHED"));
  EXPECT_EQ(list_egress_request("a", true), R"({"roomName":"a","active":true})");
}

}  // namespace
}  // namespace ar::livekit
