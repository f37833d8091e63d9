#include "livekit/egress.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace ar::livekit {
namespace {

namespace json = boost::json;

json::object request_for(const config::Storage& storage) {
  const config::Recording recording{"speaker", config::FileType::kOgg, "rec/{room_name}-{time}"};
  return json::parse(room_composite_request("Zürich room", recording, storage)).as_object();
}

TEST(EgressRequest, CarriesRoomLayoutAndOneFileOutput) {
  const json::object request = request_for(config::AzureStorage{"acct", "key", "box"});
  EXPECT_EQ(request.at("roomName").as_string(), "Zürich room");
  EXPECT_EQ(request.at("layout").as_string(), "speaker");
  const auto& outputs = request.at("fileOutputs").as_array();
  ASSERT_EQ(outputs.size(), 1U);
  const auto& file = outputs[0].as_object();
  EXPECT_EQ(file.at("fileType").as_string(), "OGG");
  EXPECT_EQ(file.at("filepath").as_string(), "rec/{room_name}-{time}");
  EXPECT_EQ(file.at("azure").at("containerName").as_string(), "box");
  EXPECT_FALSE(request.contains("file"));  // the deprecated singular field is not used
}

TEST(EgressRequest, LeavesOutWhatIsNotSet) {
  config::S3Storage s3;
  s3.bucket = "b";
  const json::object upload =
      request_for(s3).at("fileOutputs").as_array()[0].as_object().at("s3").as_object();
  EXPECT_EQ(upload.size(), 1U);
  EXPECT_EQ(upload.at("bucket").as_string(), "b");
}

TEST(EgressRequest, AliOssUsesItsProtobufJsonName) {
  const auto file =
      request_for(config::AliOssStorage{"a", "s", "r", "", "b"}).at("fileOutputs").as_array()[0];
  EXPECT_TRUE(file.as_object().contains("aliOSS"));
}

TEST(EgressInfoReply, ReadsTheSnakeCaseReply) {
  const auto info =
      parse_egress_info(R"({"egress_id":"EG_1","room_id":"","status":"EGRESS_STARTING"})");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->egress_id, "EG_1");
  EXPECT_EQ(info->status, "EGRESS_STARTING");
  EXPECT_FALSE(parse_egress_info("{}"));
  EXPECT_FALSE(parse_egress_info("oops"));
}

}  // namespace
}  // namespace ar::livekit
