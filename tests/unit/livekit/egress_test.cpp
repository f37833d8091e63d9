#include "livekit/egress.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace ar::livekit {
namespace {

namespace json = boost::json;

json::object request_for(const recording::Storage& storage) {
  recording::Plan recording;
  recording.layout = "speaker";
  recording.file = recording::FileOutput{recording::FileType::kOgg, "rec/{room_name}-{time}", ""};
  const std::optional<recording::Storage> fallback = storage;
  return json::parse(room_composite_request("Zürich room", recording, {fallback, {}})).as_object();
}

// A recording with every output, each to its own storage, and advanced encoding.
TEST(EgressRequest, CarriesEveryOutputToItsStorage) {
  recording::Plan r;
  r.layout = "grid";
  r.audio_mixing = "DUAL_CHANNEL_AGENT";
  r.custom_base_url = "https://layouts.example.com/";
  r.advanced = recording::Encoding{.width = 1280,
                                   .height = 720,
                                   .framerate = 25,
                                   .audio_codec = "AAC",
                                   .video_codec = "H264_HIGH",
                                   .key_frame_interval = 2.5};
  r.file = recording::FileOutput{recording::FileType::kMp4, "f/{room_name}", ""};
  r.segments =
      recording::SegmentsOutput{"hls/{room_name}", "index.m3u8", "live.m3u8", 6, "archive"};
  r.stream = recording::StreamOutput{"RTMP", {"rtmp://live.example.com/app/KEY123"}};
  r.images = recording::ImagesOutput{10, 320, 180, "thumbs/{room_name}", "archive"};
  recording::S3Storage main_bucket;
  main_bucket.bucket = "main";
  const std::optional<recording::Storage> fallback = recording::Storage{main_bucket};
  const recording::NamedStorages named{
      {"archive", recording::GcpStorage{"{}", "cold", std::nullopt}}};
  const json::object request =
      json::parse(room_composite_request("r", r, {fallback, named})).as_object();
  EXPECT_EQ(request.at("audioMixing").as_string(), "DUAL_CHANNEL_AGENT");
  EXPECT_EQ(request.at("customBaseUrl").as_string(), "https://layouts.example.com/");
  const json::object& advanced = request.at("advanced").as_object();
  EXPECT_EQ(advanced.at("width").to_number<int>(), 1280);
  EXPECT_EQ(advanced.at("videoCodec").as_string(), "H264_HIGH");
  EXPECT_DOUBLE_EQ(advanced.at("keyFrameInterval").as_double(), 2.5);
  EXPECT_FALSE(advanced.contains("depth")) << "zero is egress's default and left out";
  EXPECT_FALSE(request.contains("preset"));
  EXPECT_EQ(request.at("fileOutputs").at(0).at("s3").at("bucket").as_string(), "main");
  const json::object& segments = request.at("segmentOutputs").at(0).as_object();
  EXPECT_EQ(segments.at("livePlaylistName").as_string(), "live.m3u8");
  EXPECT_EQ(segments.at("segmentDuration").to_number<int>(), 6);
  EXPECT_EQ(segments.at("gcp").at("bucket").as_string(), "cold");
  const json::object& stream = request.at("streamOutputs").at(0).as_object();
  EXPECT_EQ(stream.at("protocol").as_string(), "RTMP");
  EXPECT_EQ(stream.at("urls").at(0).as_string(), "rtmp://live.example.com/app/KEY123");
  const json::object& images = request.at("imageOutputs").at(0).as_object();
  EXPECT_EQ(images.at("captureInterval").to_number<int>(), 10);
  EXPECT_EQ(images.at("gcp").at("bucket").as_string(), "cold");

  const std::string shown = redact_request(json::serialize(request));
  EXPECT_EQ(shown.find("KEY123"), std::string::npos);
  EXPECT_NE(shown.find("rtmp://live.example.com/app/<redacted>"), std::string::npos);
  EXPECT_NE(shown.find(R"("credentials":"<redacted>")"), std::string::npos);
}

TEST(EgressRequest, AudioOnlyLeavesTheFileOutputAloneWhenOthersAreOff) {
  recording::Plan r;
  r.audio_only = true;
  r.preset = "H264_720P_60";
  r.segments = recording::SegmentsOutput{"p", "", "", 0, ""};
  const std::optional<recording::Storage> fallback =
      recording::Storage{recording::AzureStorage{"a", "k", "c"}};
  const json::object request =
      json::parse(room_composite_request("r", r, {fallback, {}})).as_object();
  EXPECT_TRUE(request.at("audioOnly").as_bool());
  EXPECT_FALSE(request.contains("layout"));
  EXPECT_FALSE(request.contains("fileOutputs"));
  EXPECT_EQ(request.at("preset").as_string(), "H264_720P_60");
  EXPECT_EQ(request.at("segmentOutputs").at(0).at("azure").at("accountName").as_string(), "a");
}

TEST(StreamUrls, KeysAndPasswordsAreRedacted) {
  EXPECT_EQ(redact_stream_url("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl"),
            "rtmp://a.rtmp.youtube.com/live2/<redacted>");
  EXPECT_EQ(redact_stream_url("rtmps://user:pw@live.example.com:443/app/key?x=1"),
            "rtmps://<redacted>@live.example.com:443/app/<redacted>");
  EXPECT_EQ(redact_stream_url("srt://srt.example.com:9000?streamid=abc&passphrase=secret"),
            "srt://srt.example.com:9000?<redacted>");
  EXPECT_EQ(redact_stream_url("rtmp://host/onlykey"), "rtmp://host/<redacted>");
  EXPECT_EQ(redact_stream_url("rtmp://host"), "rtmp://host");
  EXPECT_EQ(redact_stream_url("no scheme at all"), "<redacted>");
}

TEST(EgressRequest, CarriesRoomLayoutAndOneFileOutput) {
  const json::object request = request_for(recording::AzureStorage{"acct", "key", "box"});
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
  recording::S3Storage s3;
  s3.bucket = "b";
  const json::object upload =
      request_for(s3).at("fileOutputs").as_array()[0].as_object().at("s3").as_object();
  EXPECT_EQ(upload.size(), 1U);
  EXPECT_EQ(upload.at("bucket").as_string(), "b");
}

TEST(EgressRequest, AliOssUsesItsProtobufJsonName) {
  const auto file =
      request_for(recording::AliOssStorage{"a", "s", "r", "", "b"}).at("fileOutputs").as_array()[0];
  EXPECT_TRUE(file.as_object().contains("aliOSS"));
}

TEST(EgressRequest, ListEgressAsksForOneRoomOrEveryRoom) {
  EXPECT_EQ(list_egress_request("a", true), R"({"roomName":"a","active":true})");
  EXPECT_EQ(list_egress_request("a", false), R"({"roomName":"a"})");
}

}  // namespace
}  // namespace ar::livekit
