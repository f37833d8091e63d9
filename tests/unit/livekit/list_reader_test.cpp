// ListRooms and ListEgress answers, read as they arrive: the same items whichever way the body is
// cut into pieces, and a body that is not such an answer refused.
#include "livekit/list_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <tuple>
#include <vector>

#include "livekit/egress_info.hpp"
#include "livekit/rooms.hpp"

namespace ar::livekit {
namespace {

// Feeds `body` to `reader` in pieces of `piece` bytes; false when it refused the body.
bool feed(ReplyReader& reader, std::string_view body, std::size_t piece) {
  for (std::size_t at = 0; at < body.size(); at += piece) {
    if (!reader.write(body.substr(at, piece))) return false;
  }
  return reader.finish();
}

constexpr std::string_view kRooms =
    R"({"rooms":[{"sid":"RM_1","name":"a","metadata":"{\"record\":false}","num_participants":2,)"
    R"("creation_time":"1692627281","enabled_codecs":[{"mime":"audio/opus","fmtp_line":""}],)"
    R"("version":{"unix_micro":"1"}},)"
    R"({"sid":"RM_2","name":"b","empty_timeout":300,"creation_time":1692627281,)"
    R"("creation_time_ms":"1692627281250"},{"sid":"RM_3","name":""}]})";

TEST(ListReader, ReadsRoomsWhicheverWayTheBodyArrives) {
  for (const std::size_t piece : {1UL, 2UL, 7UL, 1000UL}) {
    std::vector<Room> rooms;
    const auto reader = room_list_reader([&](Room&& room) { rooms.push_back(std::move(room)); });
    ASSERT_TRUE(feed(*reader, kRooms, piece)) << piece;
    ASSERT_EQ(rooms.size(), 2U) << "a room without a name is left out";
    EXPECT_EQ(rooms[0].sid, "RM_1");
    EXPECT_EQ(rooms[0].name, "a");
    EXPECT_EQ(rooms[0].metadata, R"({"record":false})");
    EXPECT_EQ(rooms[1].name, "b");
    EXPECT_EQ(rooms[0].created_ms, 1692627281000) << "creation_time in seconds, as a string";
    EXPECT_EQ(rooms[1].created_ms, 1692627281250) << "creation_time_ms wins when present";
  }
  EXPECT_EQ(parse_room_list("{}")->size(), 0U);
  EXPECT_EQ(parse_room_list(R"({"rooms":null})")->size(), 0U);
  EXPECT_EQ(list_rooms_request({}), "{}");
  EXPECT_EQ(list_rooms_request({"a"}), R"({"names":["a"]})");
}

TEST(ListReader, RefusesWhatIsNotTheAnswer) {
  for (const char* body : {"<html>", R"({"rooms":{}})", R"({"rooms":"x"})", R"({"rooms":[1]})",
                           R"(["rooms"])", R"("rooms")", R"({"rooms":[{"name":"a"})", ""}) {
    EXPECT_FALSE(parse_room_list(body)) << body;
  }
  EXPECT_TRUE(parse_room_list(R"({"other":{"rooms":5},"rooms":[]})")) << "other fields are fine";
}

constexpr std::string_view kEgresses =
    R"({"items":[)"
    R"({"egress_id":"EG_1","room_id":"RM_1","room_name":"a","status":"EGRESS_ACTIVE","room_composite":{"room_name":"a","file_outputs":[{"s3":{"bucket":"b"}}]}},)"
    R"({"egressId":"EG_2","roomName":"a","status":4,"roomComposite":{},"error":"pipeline"},)"
    R"({"egressId":"EG_3","roomName":"a","egress":{"roomName":"a","template":{"layout":"grid"}}},)"
    R"({"egressId":"EG_4","roomName":"a","egress":{"roomName":"a","web":{"url":"https://x"}}},)"
    R"({"egressId":"EG_5","roomName":"a","trackComposite":null,"track":{"trackId":"TR"},"file_results":[{"filename":"f"}]},)"
    R"({"roomName":"no-id"},)"
    R"({"egressId":"EG_6","roomName":"c","status":"EGRESS_NEWER"}],"next_page_token":null})";

TEST(ListReader, ReadsEgressesWhicheverWayTheBodyArrives) {
  for (const std::size_t piece : {1UL, 3UL, 64UL, 100000UL}) {
    std::vector<EgressInfo> items;
    const auto reader =
        egress_list_reader([&](EgressInfo&& info) { items.push_back(std::move(info)); });
    ASSERT_TRUE(feed(*reader, kEgresses, piece)) << piece;
    ASSERT_EQ(items.size(), 6U) << "an egress without an id is left out";
    EXPECT_EQ(items[0].room_id, "RM_1");
    EXPECT_EQ(items[0].status, EgressStatus::kActive);
    EXPECT_EQ(items[1].status, EgressStatus::kFailed) << "statuses as numbers too";
    EXPECT_EQ(items[1].error, "pipeline");
    EXPECT_EQ(items[2].status, EgressStatus::kStarting) << "the zero value is left out";
    EXPECT_EQ(items[5].status, EgressStatus::kUnknown);
    std::vector<bool> records(items.size());
    std::transform(items.begin(), items.end(), records.begin(),
                   [](const EgressInfo& info) { return info.records_room(); });
    // A room recording whichever API started it: a room composite, or StartEgress with a
    // template source; a web, track or unknown egress is not.
    EXPECT_EQ(records, (std::vector<bool>{true, true, true, false, false, false})) << piece;
    std::vector<std::string_view> kinds(items.size());
    std::transform(items.begin(), items.end(), kinds.begin(),
                   [](const EgressInfo& info) { return model::to_string(info.kind); });
    EXPECT_EQ(kinds, (std::vector<std::string_view>{"room_composite", "room_composite",
                                                    "room_composite", "web", "track", "other"}))
        << piece;
  }
  EXPECT_FALSE(parse_egress_list(R"({"items":{}})"));
  EXPECT_EQ(parse_egress_list("{}")->size(), 0U);
}

// What the ledger keeps of an ended egress, from a ListEgress answer as from egress_ended: its
// times, error and files (the reconciler refreshes the ledger from it when webhooks were lost).
constexpr std::string_view kEnded =
    R"({"items":[{"egress_id":"EG_1","room_id":"RM_1","room_name":"a","status":"EGRESS_COMPLETE",)"
    R"("started_at":"1700000000123000000","ended_at":"1700003600456000000","error_code":0,)"
    R"("room_composite":{"file_outputs":[{"filepath":"x","s3":{"bucket":"b"}}]},)"
    R"("file_results":[{"filename":"a.mp4","started_at":"1","location":"s3://b/a.mp4",)"
    R"("size":"1234567","duration":"3600000000000"},{"filename":"b.ogg","size":7}],)"
    R"("segment_results":[{"playlist_name":"p","playlist_location":"s3://b/p.m3u8",)"
    R"("segment_count":"12"},{"playlist_location":"s3://b/q.m3u8","segment_count":3}],)"
    R"("image_results":[{"image_count":"4"}],"manifest_location":"s3://b/m.json",)"
    R"("stream_results":[{"url":"rtmp://x"}]},)"
    R"({"egressId":"EG_2","roomId":"RM_1","status":"EGRESS_FAILED","error":"upload failed",)"
    R"("errorCode":500,"startedAt":"1700000000000000000","endedAt":"1700000001000000000",)"
    R"("roomComposite":{},"fileResults":[{"filename":"c.mp4"}]}]})";

TEST(ListReader, KeepsWhatAnEndedEgressReportsWhicheverWayTheBodyArrives) {
  for (const std::size_t piece : {1UL, 5UL, 100000UL}) {
    std::vector<EgressInfo> items;
    const auto reader =
        egress_list_reader([&](EgressInfo&& info) { items.push_back(std::move(info)); });
    ASSERT_TRUE(feed(*reader, kEnded, piece)) << piece;
    ASSERT_EQ(items.size(), 2U);
    const EgressResults& done = items[0].results;
    EXPECT_EQ(done.started_at_ns, 1700000000123000000);
    EXPECT_EQ(done.ended_at_ns, 1700003600456000000);
    ASSERT_EQ(done.files.size(), 2U);
    EXPECT_EQ(done.files[0].filename, "a.mp4");
    EXPECT_EQ(done.files[0].location, "s3://b/a.mp4");
    EXPECT_EQ(done.files[0].size, 1234567);
    EXPECT_EQ(done.files[0].duration_ns, 3600000000000);
    EXPECT_EQ(done.files[1].size, 7) << "an int64 as a number too";
    EXPECT_EQ(done.playlist_location, "s3://b/p.m3u8") << "the first segment output's";
    EXPECT_EQ(done.segment_count, 15);
    EXPECT_EQ(done.image_count, 4);
    EXPECT_EQ(done.manifest_location, "s3://b/m.json");
    EXPECT_EQ(items[1].error, "upload failed");
    EXPECT_EQ(items[1].error_code, 500);
    EXPECT_EQ(items[1].results.ended_at_ns, 1700000001000000000);
    ASSERT_EQ(items[1].results.files.size(), 1U);
    EXPECT_EQ(items[1].results.files[0].filename, "c.mp4");
    // The same as an egress_ended webhook's EgressInfo reads.
    const auto webhook = parse_egress_info(
        R"({"egressId":"EG_2","roomId":"RM_1","status":"EGRESS_FAILED","error":"upload failed",)"
        R"("errorCode":500,"startedAt":"1700000000000000000","endedAt":"1700000001000000000",)"
        R"("roomComposite":{},"fileResults":[{"filename":"c.mp4"}]})");
    ASSERT_TRUE(webhook);
    EXPECT_EQ(webhook->results.ended_at_ns, items[1].results.ended_at_ns);
    EXPECT_EQ(webhook->error_code, items[1].error_code);
  }
}

// An EGRESS_COMPLETE that recorded nothing (egress#944) is a failure, read alike from ListEgress
// and from a webhook: a file of size 0, a file without a location, HLS without a segment. What
// egress 1.14+ adds (retry_count, backup_storage_used) is kept.
constexpr std::string_view kEmptyOnes =
    R"({"items":[)"
    R"({"egressId":"EG_zero","status":"EGRESS_COMPLETE","roomComposite":{},)"
    R"("fileResults":[{"filename":"a.mp4","location":"s3://b/a.mp4","size":"0"}]},)"
    R"({"egressId":"EG_nowhere","status":"EGRESS_COMPLETE","error":"upload skipped",)"
    R"("roomComposite":{},"fileResults":[{"filename":"a.mp4","size":"12"}]},)"
    R"({"egressId":"EG_hls","status":"EGRESS_COMPLETE","roomComposite":{},)"
    R"("segmentResults":[{"playlistLocation":"s3://b/p.m3u8","segmentCount":"0"}]},)"
    R"({"egressId":"EG_fine","status":"EGRESS_COMPLETE","roomComposite":{},"retryCount":2,)"
    R"("backupStorageUsed":true,"fileResults":[{"location":"s3://b/a.mp4","size":"9"}],)"
    R"("segmentResults":[{"segmentCount":"3"}]},)"
    R"({"egressId":"EG_stream","status":"EGRESS_COMPLETE","roomComposite":{},)"
    R"("streamResults":[{"url":"rtmp://x"}]},)"
    R"({"egress_id":"EG_proto","status":"EGRESS_COMPLETE","retry_count":1,)"
    R"("backup_storage_used":false,"file_results":[{"location":"s3://b/b.mp4","size":1}]}]})";

TEST(ListReader, AnEmptyCompleteIsAFailureWhicheverWayItIsRead) {
  std::vector<EgressInfo> listed;
  const auto reader =
      egress_list_reader([&](EgressInfo&& info) { listed.push_back(std::move(info)); });
  ASSERT_TRUE(feed(*reader, kEmptyOnes, 3));
  const auto whole = boost::json::parse(kEmptyOnes).as_object().at("items").as_array();
  ASSERT_EQ(listed.size(), whole.size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const auto webhook = parse_egress_info(boost::json::serialize(whole[i]));
    ASSERT_TRUE(webhook);
    EXPECT_EQ(webhook->status, listed[i].status) << listed[i].egress_id;
    EXPECT_EQ(webhook->error, listed[i].error) << listed[i].egress_id;
    EXPECT_EQ(webhook->results.retry_count, listed[i].results.retry_count);
    EXPECT_EQ(webhook->results.backup_storage_used, listed[i].results.backup_storage_used);
  }
  EXPECT_EQ(listed[0].status, EgressStatus::kFailed);
  EXPECT_EQ(listed[0].error,
            "EGRESS_COMPLETE without a recording: a file of size 0 at s3://b/a.mp4");
  EXPECT_EQ(listed[1].status, EgressStatus::kFailed);
  EXPECT_EQ(listed[1].error,
            "EGRESS_COMPLETE without a recording: a file without a location (nothing was "
            "uploaded); upload skipped");
  EXPECT_EQ(listed[2].status, EgressStatus::kFailed);
  EXPECT_EQ(listed[2].error, "EGRESS_COMPLETE without a recording: no HLS segment");
  EXPECT_EQ(listed[3].status, EgressStatus::kComplete);
  EXPECT_EQ(listed[3].results.retry_count, 2);
  EXPECT_TRUE(listed[3].results.backup_storage_used);
  EXPECT_EQ(listed[4].status, EgressStatus::kComplete) << "a stream leaves no file to look at";
  EXPECT_EQ(listed[5].status, EgressStatus::kComplete);
  EXPECT_EQ(listed[5].results.retry_count, 1) << "proto names too";
}

// Whether a composite writes files (a file or segment output), read alike from both readers: a
// composite that only streams is never taken for a duplicate of a recording.
constexpr std::string_view kOutputs =
    R"({"items":[)"
    R"({"egressId":"EG_file","roomComposite":{"roomName":"r","fileOutputs":[{"filepath":"x"}]}},)"
    R"({"egressId":"EG_stream","roomComposite":{"roomName":"r","fileOutputs":[],)"
    R"("streamOutputs":[{"urls":["rtmp://x"]}]}},)"
    R"({"egress_id":"EG_hls","room_composite":{"segment_outputs":[{"filename_prefix":"p"}]}},)"
    R"({"egressId":"EG_old","roomComposite":{"file":{"filepath":"x"}}},)"
    R"({"egressId":"EG_unified","egress":{"template":{},"outputs":[{"stream":{}},)"
    R"({"file":{"filepath":"x"},"storage":{"s3":{"bucket":"b"}}}]}},)"
    R"({"egressId":"EG_unified_stream","egress":{"template":{},"outputs":[{"stream":{"urls":[]}}]}},)"
    R"({"egressId":"EG_results_only","roomComposite":{},"fileResults":[{"filename":"a"}]}]})";

TEST(ListReader, TellsWhetherAnEgressWritesFilesWhicheverWayItIsRead) {
  std::vector<EgressInfo> listed;
  const auto reader =
      egress_list_reader([&](EgressInfo&& info) { listed.push_back(std::move(info)); });
  ASSERT_TRUE(feed(*reader, kOutputs, 2));
  const std::vector<std::pair<std::string, bool>> expected{
      {"EG_file", true},         {"EG_stream", false}, {"EG_hls", true},
      {"EG_old", true},          {"EG_unified", true}, {"EG_unified_stream", false},
      {"EG_results_only", false}};
  ASSERT_EQ(listed.size(), expected.size());
  const auto whole = boost::json::parse(kOutputs).as_object().at("items").as_array();
  for (std::size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(listed[i].egress_id, expected[i].first);
    EXPECT_EQ(listed[i].writes_files, expected[i].second) << expected[i].first;
    EXPECT_EQ(parse_egress_info(boost::json::serialize(whole[i]))->writes_files, expected[i].second)
        << expected[i].first << " as a webhook reads it";
  }
}

// Whom an egress records, as both readers say: a participant request's identity, a track's id,
// and a unified media source only when every identity it names is one participant's (the
// recorder's own: participantVideo and an audio route of the same identity). An application's
// mix of several participants, or of a route by kind or a video track, records no one participant.
constexpr std::string_view kSubjects =
    R"({"items":[)"
    R"({"egressId":"EG_p","participant":{"roomName":"r","identity":"alice"}},)"
    R"({"egressId":"EG_t","track":{"roomName":"r","trackId":"TR_1"}},)"
    R"({"egressId":"EG_media","egress":{"media":{"participantVideo":{"identity":"alice"},)"
    R"("audio":{"routes":[{"participantIdentity":"alice"}]}}}},)"
    R"({"egressId":"EG_audio","egress":{"media":{"audio":{"routes":[{"participantIdentity":"bob"}]}}}},)"
    R"({"egressId":"EG_mix","egress":{"media":{"audio":{"routes":[{"participantIdentity":"alice"},)"
    R"({"participantIdentity":"bob"}]}}}},)"
    R"({"egressId":"EG_kind","egress":{"media":{"participantVideo":{"identity":"alice"},)"
    R"("audio":{"routes":[{"participantIdentity":"alice"},{"participantKind":"AGENT"}]}}}},)"
    R"({"egressId":"EG_video","egress":{"media":{"videoTrackId":"TR_9",)"
    R"("audio":{"routes":[{"participantIdentity":"alice"}]}}}}]})";

TEST(ListReader, NamesWhomAnEgressRecordsOnlyWhenItIsOneParticipantOrTrack) {
  std::vector<EgressInfo> listed;
  const auto reader =
      egress_list_reader([&](EgressInfo&& info) { listed.push_back(std::move(info)); });
  ASSERT_TRUE(feed(*reader, kSubjects, 3));
  using K = model::RecordingKind;
  const std::vector<std::tuple<std::string, K, std::string>> expected{
      {"EG_p", K::kParticipant, "alice"},
      {"EG_t", K::kTrack, "TR_1"},
      {"EG_media", K::kParticipant, "alice"},
      {"EG_audio", K::kParticipant, "bob"},
      {"EG_mix", K::kOther, ""},
      {"EG_kind", K::kOther, ""},
      {"EG_video", K::kOther, ""}};
  ASSERT_EQ(listed.size(), expected.size());
  const auto whole = boost::json::parse(kSubjects).as_object().at("items").as_array();
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const auto& [id, kind, subject] = expected[i];
    EXPECT_EQ(listed[i].egress_id, id);
    EXPECT_EQ(listed[i].kind, kind) << id;
    EXPECT_EQ(listed[i].subject, subject) << id;
    const auto webhook = parse_egress_info(boost::json::serialize(whole[i]));
    ASSERT_TRUE(webhook) << id;
    EXPECT_EQ(webhook->kind, kind) << id << " as a webhook reads it";
    EXPECT_EQ(webhook->subject, subject) << id << " as a webhook reads it";
  }
}

}  // namespace
}  // namespace ar::livekit
