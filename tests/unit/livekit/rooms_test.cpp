#include "livekit/rooms.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ar::livekit
