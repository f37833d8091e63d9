// livekit::TwirpEgressApi as the recorder and the reconciler see it, over a real Twirp client
// and a scripted HTTP server on loopback (scripted_server.hpp): the method each call posts, its
// body, the token's grant, the answers read back, and every failure as an ApiError.
#include "livekit/twirp_egress_api.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livekit/scripted_server.hpp"
#include "livekit/token.hpp"
#include "util/base64.hpp"

namespace ar::livekit {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::Answer;
using testing::kApiKey;
using testing::kApiSecret;
using testing::options_for;
using testing::Request;
using testing::ScriptedServer;

recording::Storage bucket(const std::string& name) {
  recording::S3Storage s3;
  s3.bucket = name;
  return s3;
}

// LiveKit as the API sees it: a client of a server that gives every request `answer` (or what
// `script` answers); the default storage is the bucket "main", and "archive" names the bucket
// "cold". Starts use `flavour`'s call: legacy unless a test asks for another.
struct ScriptedLiveKit {
  explicit ScriptedLiveKit(Answer answer, EgressFlavour flavour = EgressFlavour::kLegacy)
      : ScriptedLiveKit([answer = std::move(answer)](const Request&) { return answer; }, flavour) {}
  ScriptedLiveKit(std::function<Answer(const Request&)> script, EgressFlavour flavour)
      : server(
            [script = std::move(script)](const Request& request, int) { return script(request); }),
        client(options_for(server.url())),
        api(client, {fallback, named}, flavour,
            [this](std::string_view api, const TwirpReply&) { choices.emplace_back(api); }) {}

  // The one request the server was sent.
  Request request() const {
    const auto requests = server.requests();
    EXPECT_EQ(requests.size(), 1U);
    return requests.empty() ? Request{} : requests[0];
  }

  std::vector<std::string> choices;  // what on_choice was told, in order
  ScriptedServer server;
  const std::optional<recording::Storage> fallback = bucket("main");
  const recording::NamedStorages named{{"archive", bucket("cold")}};
  TwirpClient client;
  TwirpEgressApi api;
};

// What a call ended with: its error, if any, and what came with it.
template <typename Value>
struct Result {
  std::optional<ApiError> error;
  Value value{};
};

std::optional<ApiError> copy(const ApiError* error) {
  return error ? std::optional<ApiError>(*error) : std::nullopt;
}

// Starts a call with a callback of (error, value) and waits for it.
template <typename Value, typename Call>
Result<Value> answer_of(Call call) {
  std::promise<Result<Value>> promise;
  call([&promise](const ApiError* error, Value value) {
    promise.set_value({copy(error), std::move(value)});
  });
  return promise.get_future().get();
}

// Starts a list read item by item and waits for its end: the items `each` was given before it.
template <typename Item, typename Call>
Result<std::vector<Item>> items_of(Call call) {
  std::vector<Item> items;  // filled on the client's thread, before done
  std::promise<std::optional<ApiError>> promise;
  call([&items](Item&& item) { items.push_back(std::move(item)); },
       [&promise](const ApiError* error) { promise.set_value(copy(error)); });
  std::optional<ApiError> error = promise.get_future().get();
  return {std::move(error), std::move(items)};
}

json::object body_of(const Request& request) {
  return json::parse(request.body()).as_object();
}

// The request's token, checked against the API key and secret; its "video" grant.
json::object grant_of(const Request& request) {
  std::string_view token = request[http::field::authorization];
  EXPECT_TRUE(token.starts_with("Bearer "));
  token.remove_prefix(std::min(token.size(), std::string_view("Bearer ").size()));
  EXPECT_EQ(verify_token(token, {kApiKey, kApiSecret}, Clock::now()).check, TokenCheck::kOk);
  const std::size_t claims_at = token.find('.') + 1;
  const auto claims = util::base64url_decode(token.substr(claims_at, token.rfind('.') - claims_at));
  if (!claims) return {};
  return json::parse(*claims).as_object().at("video").as_object();
}

const json::object kRecordGrant{{"roomRecord", true}};
const json::object kListGrant{{"roomList", true}};

TEST(TwirpEgressApi, ListsARoomsEgressesWithARecordGrant) {
  ScriptedLiveKit livekit(
      Answer{.body = R"({"items":[)"
                     R"({"egressId":"EG_1","roomName":"r","status":"EGRESS_ACTIVE"},)"
                     R"({"egress_id":"EG_2","room_name":"r","status":"EGRESS_COMPLETE"}]})"});
  const auto result = answer_of<std::vector<EgressInfo>>(
      [&](auto done) { livekit.api.room_egresses("r", std::move(done)); });
  ASSERT_FALSE(result.error) << result.error->message;
  ASSERT_EQ(result.value.size(), 2U);
  EXPECT_EQ(result.value[0].egress_id, "EG_1");
  EXPECT_EQ(result.value[0].status, EgressStatus::kActive);
  EXPECT_EQ(result.value[1].egress_id, "EG_2") << "proto field names are read too";
  EXPECT_EQ(result.value[1].status, EgressStatus::kComplete);

  const Request request = livekit.request();
  EXPECT_EQ(request.target(), "/twirp/livekit.Egress/ListEgress");
  EXPECT_EQ(body_of(request), (json::object{{"roomName", "r"}})) << "active and ended ones";
  EXPECT_EQ(grant_of(request), kRecordGrant);
}

TEST(TwirpEgressApi, StartsARoomCompositeToTheOutputsStoragesAndReturnsItsId) {
  ScriptedLiveKit livekit(
      Answer{.body = R"({"egressId":"EG_9","roomName":"r","status":"EGRESS_STARTING"})"});
  recording::Plan recording;
  recording.layout = "grid";
  recording.file = recording::FileOutput{recording::FileType::kMp4, "rec/{room_name}", "archive"};
  recording.segments = recording::SegmentsOutput{"hls/{room_name}", "index.m3u8", "", 0, ""};
  const auto result = answer_of<std::string>(
      [&](auto done) { livekit.api.start_recording("Zürich room", recording, std::move(done)); });
  ASSERT_FALSE(result.error) << result.error->message;
  EXPECT_EQ(result.value, "EG_9");

  const Request request = livekit.request();
  EXPECT_EQ(request.target(), "/twirp/livekit.Egress/StartRoomCompositeEgress");
  const json::object body = body_of(request);
  EXPECT_EQ(body.at("roomName"), "Zürich room");
  EXPECT_EQ(body.at("layout"), "grid");
  const json::value& file = body.at("fileOutputs").at(0);
  EXPECT_EQ(file.at("filepath"), "rec/{room_name}");
  EXPECT_EQ(file.at("s3").at("bucket"), "cold") << "the storage the output names";
  EXPECT_EQ(body.at("segmentOutputs").at(0).at("s3").at("bucket"), "main") << "the default";
  EXPECT_EQ(grant_of(request), kRecordGrant);
}

TEST(TwirpEgressApi, AStartWhoseAnswerDoesNotParseStillStarted) {
  ScriptedLiveKit livekit(Answer{.body = "{}"});
  const auto result = answer_of<std::string>(
      [&](auto done) { livekit.api.start_recording("r", recording::Plan{}, std::move(done)); });
  EXPECT_FALSE(result.error) << "LiveKit acted on it";
  EXPECT_EQ(result.value, "");
}

TEST(TwirpEgressApi, AsksForTheNamedRoomsWithAListGrant) {
  ScriptedLiveKit livekit(
      Answer{.body = R"({"rooms":[{"sid":"RM_1","name":"a","metadata":"m"}]})"});
  const auto result = answer_of<std::vector<Room>>([&](auto done) {
    livekit.api.rooms({"a", "b"}, std::move(done));
  });
  ASSERT_FALSE(result.error) << result.error->message;
  ASSERT_EQ(result.value.size(), 1U);
  EXPECT_EQ(result.value[0].sid, "RM_1");
  EXPECT_EQ(result.value[0].metadata, "m");

  const Request request = livekit.request();
  EXPECT_EQ(request.target(), "/twirp/livekit.RoomService/ListRooms");
  EXPECT_EQ(body_of(request), (json::object{{"names", json::array{"a", "b"}}}));
  EXPECT_EQ(grant_of(request), kListGrant);
}

TEST(TwirpEgressApi, ReadsEveryActiveEgressItemByItem) {
  ScriptedLiveKit livekit(
      Answer{.body = R"({"items":[{"egressId":"EG_1","roomName":"a"},)"
                     R"({"egressId":"EG_2","roomName":"b","status":"EGRESS_ACTIVE"}]})"});
  const auto result = items_of<EgressInfo>([&](auto each, auto done) {
    livekit.api.each_egress(true, std::move(each), std::move(done));
  });
  ASSERT_FALSE(result.error) << result.error->message;
  ASSERT_EQ(result.value.size(), 2U);
  EXPECT_EQ(result.value[0].room_name, "a");
  EXPECT_EQ(result.value[1].egress_id, "EG_2");

  const Request request = livekit.request();
  EXPECT_EQ(request.target(), "/twirp/livekit.Egress/ListEgress");
  EXPECT_EQ(body_of(request), (json::object{{"roomName", ""}, {"active", true}}));
  EXPECT_EQ(grant_of(request), kRecordGrant);
}

TEST(TwirpEgressApi, ReadsEveryRoomItemByItem) {
  ScriptedLiveKit livekit(
      Answer{.body = R"({"rooms":[{"sid":"RM_1","name":"a"},{"sid":"RM_2","name":"b"}]})"});
  const auto result = items_of<Room>(
      [&](auto each, auto done) { livekit.api.each_room(std::move(each), std::move(done)); });
  ASSERT_FALSE(result.error) << result.error->message;
  ASSERT_EQ(result.value.size(), 2U);
  EXPECT_EQ(result.value[1].name, "b");

  const Request request = livekit.request();
  EXPECT_EQ(request.target(), "/twirp/livekit.RoomService/ListRooms");
  EXPECT_EQ(request.body(), "{}") << "no names: every room";
  EXPECT_EQ(grant_of(request), kListGrant);
}

// Each call of the API, its error only.
std::vector<std::pair<std::string, std::optional<ApiError>>> errors_of_every_call(EgressApi& api) {
  return {
      {"room_egresses", answer_of<std::vector<EgressInfo>>([&](auto done) {
                          api.room_egresses("r", std::move(done));
                        }).error},
      {"start_recording", answer_of<std::string>([&](auto done) {
                            api.start_recording("r", recording::Plan{}, std::move(done));
                          }).error},
      {"rooms",
       answer_of<std::vector<Room>>([&](auto done) { api.rooms({"r"}, std::move(done)); }).error},
      {"each_egress", items_of<EgressInfo>([&](auto each, auto done) {
                        api.each_egress(false, std::move(each), std::move(done));
                      }).error},
      {"each_room", items_of<Room>([&](auto each, auto done) {
                      api.each_room(std::move(each), std::move(done));
                    }).error},
  };
}

TEST(TwirpEgressApi, ATwirpErrorIsTheApiErrorOfEveryCall) {
  ScriptedLiveKit livekit(
      Answer{.status = 503, .body = R"({"code":"unavailable","msg":"no egress"})"});
  for (const auto& [call, error] : errors_of_every_call(livekit.api)) {
    ASSERT_TRUE(error) << call;
    EXPECT_EQ(error->code, "unavailable") << call;
    EXPECT_EQ(error->message, "no egress") << call;
    EXPECT_EQ(error->http_status, 503U) << call;
  }
}

TEST(TwirpEgressApi, AProxysAnswerIsAnErrorNamedByItsStatus) {
  ScriptedLiveKit livekit(Answer{.status = 502, .body = "<html>bad gateway</html>"});
  for (const auto& [call, error] : errors_of_every_call(livekit.api)) {
    ASSERT_TRUE(error) << call;
    EXPECT_EQ(error->code, "http_502") << call;
    EXPECT_EQ(error->http_status, 502U) << call;
  }
}

TEST(TwirpEgressApi, AListAnswerThatIsNotOneIsAnInternalError) {
  ScriptedLiveKit livekit(Answer{.body = R"({"items":{},"rooms":"x"})"});
  for (const auto& [call, error] : errors_of_every_call(livekit.api)) {
    if (call == "start_recording") {
      EXPECT_FALSE(error) << "a start's answer is not a list";
      continue;
    }
    ASSERT_TRUE(error) << call;
    EXPECT_EQ(error->code, "internal") << call;
  }
  const auto egresses = answer_of<std::vector<EgressInfo>>(
      [&](auto done) { livekit.api.room_egresses("r", std::move(done)); });
  ASSERT_TRUE(egresses.error);
  EXPECT_EQ(egresses.error->message, "ListEgress answer is not a ListEgressResponse");
  EXPECT_EQ(egresses.error->http_status, 200U);
  const auto rooms =
      answer_of<std::vector<Room>>([&](auto done) { livekit.api.rooms({}, std::move(done)); });
  ASSERT_TRUE(rooms.error);
  EXPECT_EQ(rooms.error->message, "ListRooms answer does not parse");
}

TEST(TwirpEgressApi, NoServerIsAConnectionError) {
  std::string url;
  {
    const ScriptedServer gone([](const Request&, int) { return Answer{}; });
    url = gone.url();
  }
  TwirpClient client(options_for(url));
  const std::optional<recording::Storage> fallback;
  const recording::NamedStorages named;
  TwirpEgressApi api(client, {fallback, named});
  for (const auto& [call, error] : errors_of_every_call(api)) {
    ASSERT_TRUE(error) << call;
    EXPECT_EQ(error->code, "connection_error") << call;
    EXPECT_EQ(error->http_status, 0U) << call;
  }
}

// The unified StartEgress (livekit-server 1.13.2+) and its fallback.

const Answer kStarted{.body = R"({"egressId":"EG_9","roomName":"r","status":"EGRESS_STARTING"})"};

// A LiveKit whose StartEgress answers `unified` and whose legacy start starts.
std::function<Answer(const Request&)> without_unified(Answer unified) {
  return [unified = std::move(unified)](const Request& request) {
    return request.target().ends_with("/StartEgress") ? unified : kStarted;
  };
}

std::vector<std::string> targets_of(const ScriptedServer& server) {
  std::vector<std::string> targets;
  for (const Request& request : server.requests()) targets.emplace_back(request.target());
  return targets;
}

std::string start(ScriptedLiveKit& livekit, const recording::Plan& recording = {}) {
  const auto result = answer_of<std::string>(
      [&](auto done) { livekit.api.start_recording("r", recording, std::move(done)); });
  EXPECT_FALSE(result.error) << result.error->code << ": " << result.error->message;
  return result.value;
}

const std::string kUnifiedPath = "/twirp/livekit.Egress/StartEgress";
const std::string kLegacyPath = "/twirp/livekit.Egress/StartRoomCompositeEgress";

TEST(TwirpEgressApi, UnifiedStartsATemplateWithEachOutputBesideItsStorage) {
  ScriptedLiveKit livekit(kStarted, EgressFlavour::kUnified);
  recording::Plan recording;
  recording.layout = "speaker";
  recording.audio_only = true;
  recording.preset = "H264_720P_30";
  recording.file = recording::FileOutput{recording::FileType::kOgg, "rec/{room_name}", "archive"};
  recording.segments = recording::SegmentsOutput{"hls/{room_name}", "index.m3u8", "", 6, ""};
  recording.stream = recording::StreamOutput{"RTMP", {"rtmp://live.example.com/app/key"}};
  EXPECT_EQ(start(livekit, recording), "EG_9");

  const Request request = livekit.request();
  EXPECT_EQ(request.target(), kUnifiedPath);
  EXPECT_EQ(grant_of(request), kRecordGrant);
  const json::object body = body_of(request);
  EXPECT_EQ(body.at("roomName"), "r");
  EXPECT_EQ(body.at("template"), (json::object{{"layout", "speaker"}, {"audioOnly", true}}));
  EXPECT_EQ(body.at("preset"), "H264_720P_30");
  const json::array& outputs = body.at("outputs").as_array();
  ASSERT_EQ(outputs.size(), 3U);
  EXPECT_EQ(outputs[0].at("file"),
            (json::object{{"fileType", "OGG"}, {"filepath", "rec/{room_name}"}}));
  EXPECT_EQ(outputs[0].at("storage").at("s3").at("bucket"), "cold") << "the storage it names";
  EXPECT_EQ(outputs[1].at("segments").at("segmentDuration"), 6);
  EXPECT_EQ(outputs[1].at("storage").at("s3").at("bucket"), "main") << "the default";
  EXPECT_FALSE(outputs[2].as_object().contains("storage")) << "a stream uploads nothing";
  EXPECT_EQ(livekit.api.start_api(), "unified");
}

TEST(TwirpEgressApi, AutoFallsBackOnceForEveryAnswerThatMeansNoUnifiedCall) {
  const std::vector<std::pair<std::string, Answer>> lacking{
      {"up to 1.12", {.status = 404, .body = R"({"code":"bad_route","msg":"no handler"})"}},
      {"1.13.0's stub", {.status = 500, .body = R"({"code":"unknown","msg":"Not Implemented"})"}},
      {"unimplemented", {.status = 501, .body = R"({"code":"unimplemented","msg":"no"})"}},
  };
  for (const auto& [server, answer] : lacking) {
    ScriptedLiveKit livekit(without_unified(answer), EgressFlavour::kAuto);
    EXPECT_EQ(livekit.api.start_api(), "auto (unified until LiveKit answers without it)");
    EXPECT_EQ(start(livekit), "EG_9") << server;
    EXPECT_EQ(start(livekit), "EG_9") << server;
    EXPECT_EQ(targets_of(livekit.server),
              (std::vector<std::string>{kUnifiedPath, kLegacyPath, kLegacyPath}))
        << server << ": asked once, remembered";
    EXPECT_EQ(livekit.choices, std::vector<std::string>{"legacy"}) << server;
    EXPECT_EQ(livekit.api.start_api(), "legacy") << server;
  }
}

TEST(TwirpEgressApi, AutoKeepsTheUnifiedCallOnceItAnswered) {
  ScriptedLiveKit livekit(kStarted, EgressFlavour::kAuto);
  EXPECT_EQ(start(livekit), "EG_9");
  EXPECT_EQ(start(livekit), "EG_9");
  EXPECT_EQ(targets_of(livekit.server), (std::vector<std::string>{kUnifiedPath, kUnifiedPath}));
  EXPECT_EQ(livekit.choices, std::vector<std::string>{"unified"});
  EXPECT_EQ(livekit.api.start_api(), "unified");
}

TEST(TwirpEgressApi, OtherErrorsOfTheUnifiedCallAreItsOwnAndNeverFallBack) {
  const std::vector<Answer> own{
      {.status = 404, .body = R"({"code":"not_found","msg":"requested room does not exist"})"},
      {.status = 500, .body = R"({"code":"internal","msg":"not implemented"})"},
      {.status = 500, .body = R"({"code":"unknown","msg":"pipeline failed"})"},
      {.status = 404, .body = "<html>404 from a proxy</html>"},
  };
  for (const Answer& answer : own) {
    ScriptedLiveKit livekit(without_unified(answer), EgressFlavour::kAuto);
    const auto result = answer_of<std::string>(
        [&](auto done) { livekit.api.start_recording("r", recording::Plan{}, std::move(done)); });
    ASSERT_TRUE(result.error) << answer.body;
    EXPECT_EQ(result.error->call, "StartEgress") << answer.body;
    EXPECT_EQ(targets_of(livekit.server), std::vector<std::string>{kUnifiedPath}) << answer.body;
    EXPECT_TRUE(livekit.choices.empty()) << answer.body;
  }
}

TEST(TwirpEgressApi, UnifiedOnlyOnALiveKitWithoutItIsRefusedNamingTheSetting) {
  ScriptedLiveKit livekit(
      without_unified({.status = 404, .body = R"({"code":"bad_route","msg":"no handler"})"}),
      EgressFlavour::kUnified);
  const auto result = answer_of<std::string>(
      [&](auto done) { livekit.api.start_recording("r", recording::Plan{}, std::move(done)); });
  ASSERT_TRUE(result.error);
  EXPECT_EQ(classify(result.error->code, result.error->http_status), Failure::kPermanent);
  EXPECT_NE(result.error->message.find("API_FLAVOUR"), std::string::npos);
  EXPECT_EQ(targets_of(livekit.server), std::vector<std::string>{kUnifiedPath});
}

TEST(TwirpEgressApi, LegacyAndAudioMixingUseTheLegacyCallAlone) {
  ScriptedLiveKit legacy(kStarted, EgressFlavour::kLegacy);
  EXPECT_EQ(start(legacy), "EG_9");
  EXPECT_EQ(targets_of(legacy.server), std::vector<std::string>{kLegacyPath});
  EXPECT_EQ(legacy.api.start_api(), "legacy");

  ScriptedLiveKit mixing(kStarted, EgressFlavour::kAuto);
  recording::Plan recording;
  recording.audio_mixing = "DUAL_CHANNEL_AGENT";
  EXPECT_EQ(start(mixing, recording), "EG_9");
  EXPECT_EQ(targets_of(mixing.server), std::vector<std::string>{kLegacyPath})
      << "a template source has no audio_mixing";
}

}  // namespace
}  // namespace ar::livekit
