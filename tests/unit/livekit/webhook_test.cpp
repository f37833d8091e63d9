#include "livekit/webhook.hpp"

#include <gtest/gtest.h>

#include "livekit/sdk_fixture.hpp"

namespace ar::livekit {
namespace {

using std::chrono::seconds;

WebhookEvent parse(std::string_view body) {
  WebhookEvent event;
  const auto parsed = parse_webhook_event(body, event);
  EXPECT_TRUE(parsed) << parsed.error();
  return event;
}

std::string parse_error(std::string_view body) {
  WebhookEvent event;
  const auto parsed = parse_webhook_event(body, event);
  return parsed ? "(parsed)" : parsed.error();
}

TEST(WebhookParse, ReadsRoomStartedAsLiveKitSendsIt) {
  const WebhookEvent event = parse(
      R"({"event":"room_started","room":{"sid":"RM_hycBMAjmt6Ub","name":"Demo Room","emptyTimeout":300,)"
      R"("creationTime":"1692627281","enabledCodecs":[{"mime":"audio/opus"}]},"id":"EV_eugWmGhovZmm",)"
      R"("createdAt":"1692985556"})");
  EXPECT_EQ(event.event, "room_started");
  EXPECT_EQ(event.id, "EV_eugWmGhovZmm");
  EXPECT_EQ(event.created_at, 1692985556);
  ASSERT_TRUE(event.room);
  EXPECT_EQ(event.room->sid, "RM_hycBMAjmt6Ub");
  EXPECT_EQ(event.room->name, "Demo Room");
}

TEST(WebhookParse, ReadsEgressInfoInEitherFieldNaming) {
  const WebhookEvent camel = parse(
      R"({"event":"egress_ended","egressInfo":{"egressId":"EG_1","roomName":"r","status":"EGRESS_FAILED"}})");
  ASSERT_TRUE(camel.egress);
  EXPECT_EQ(camel.egress->egress_id, "EG_1");
  EXPECT_EQ(camel.egress->status, EgressStatus::kFailed);
  const WebhookEvent snake =
      parse(R"({"event":"egress_ended","egress_info":{"egress_id":"EG_2","room_name":"r"}})");
  ASSERT_TRUE(snake.egress);
  EXPECT_EQ(snake.egress->egress_id, "EG_2");
  EXPECT_EQ(parse(R"({"created_at":12})").created_at, 12);
  // An automatic egress that failed to start: egress_ended without an egress id.
  EXPECT_FALSE(parse(R"({"event":"egress_ended","egressInfo":{"status":"EGRESS_FAILED"}})").egress);
}

TEST(WebhookParse, IgnoresUnknownEventsAndFields) {
  const WebhookEvent event = parse(R"({"event":"agent_job_started","job":{"id":"x"},"new":[1,2]})");
  EXPECT_EQ(event.event, "agent_job_started");
  EXPECT_FALSE(event.room);
  EXPECT_EQ(parse("{}").event, "");
}

TEST(WebhookParse, NamesWhatIsWrong) {
  EXPECT_EQ(parse_error("not json"), "body is not JSON");
  EXPECT_EQ(parse_error("[]"), "body is not a JSON object");
  EXPECT_EQ(parse_error(R"({"event":5})"), "not a WebhookEvent: event must be a string");
  EXPECT_EQ(parse_error(R"({"room":[]})"), "not a WebhookEvent: room must be an object");
  EXPECT_EQ(parse_error(R"({"createdAt":"soon"})"),
            "not a WebhookEvent: createdAt must be an integer");
  EXPECT_EQ(parse_error(R"({"event":"room_started","room":{"sid":"RM_1"}})"),
            "room_started without room.name");
}

TEST(WebhookParse, AReusedEventKeepsNothingOfTheOneBefore) {
  WebhookEvent event;
  ASSERT_TRUE(parse_webhook_event(
      R"({"event":"egress_ended","id":"EV_1","createdAt":"5","room":{"sid":"RM_1","name":"a",)"
      R"("metadata":"{\"record\":false}"},"egressInfo":{"egressId":"EG_1","status":"EGRESS_FAILED"}})",
      event));
  ASSERT_TRUE(parse_webhook_event(R"({"event":"room_started","room":{"name":"b"}})", event));
  EXPECT_EQ(event.event, "room_started");
  EXPECT_EQ(event.id, "");
  EXPECT_EQ(event.created_at, 0);
  ASSERT_TRUE(event.room);
  EXPECT_EQ(event.room->name, "b");
  EXPECT_EQ(event.room->sid, "");
  EXPECT_EQ(event.room->metadata, "");
  EXPECT_FALSE(event.egress);
  ASSERT_TRUE(parse_webhook_event(R"({"event":"participant_joined"})", event));
  EXPECT_FALSE(event.room);
}

// participant_joined and track_published carry their participant and track, read only when a rule
// records participants or tracks: with record: room they cost no more than their parse, and one
// malformed is not refused.
TEST(WebhookParse, ParticipantAndTrackAreReadOnlyWhenAskedFor) {
  const std::string body =
      R"({"event":"track_published","room":{"name":"r"},"participant":{"sid":"PA_1",)"
      R"("identity":"alice"},"track":{"sid":"TR_1","type":"AUDIO"}})";
  WebhookEvent event;
  ASSERT_TRUE(parse_webhook_event(body, event));
  ASSERT_TRUE(event.participant);
  EXPECT_EQ(event.participant->identity, "alice");
  ASSERT_TRUE(event.track);
  EXPECT_EQ(event.track->sid, "TR_1");
  ASSERT_TRUE(parse_webhook_event(body, event, false));
  EXPECT_FALSE(event.participant);
  EXPECT_FALSE(event.track);
  const std::string malformed = R"({"event":"participant_joined","participant":5})";
  EXPECT_FALSE(parse_webhook_event(malformed, event));
  EXPECT_TRUE(parse_webhook_event(malformed, event, false));
}

TEST(WebhookParse, KeepsNonAsciiRoomNamesByteForByte) {
  const WebhookEvent event =
      parse(R"({"event":"room_started","room":{"name":"Sprechstunde Zürich 会议 \ud83c\udf93"}})");
  EXPECT_EQ(event.room->name, "Sprechstunde Zürich 会议 \xF0\x9F\x8E\x93");
}

class WebhookVerify : public ::testing::Test {
 protected:
  const WebhookVerifier verifier{"APIkey", "secret", seconds(60)};
  const Clock::time_point now = Clock::now();
  const std::string body = R"({"event":"room_started","room":{"name":"r"},"id":"EV_1"})";
};

TEST_F(WebhookVerify, MissingAuthorizationIsAnAuthFailure) {
  const WebhookResult result = verifier.verify("", body, now);
  EXPECT_EQ(result.problem, WebhookProblem::kMissingAuthorization);
  EXPECT_TRUE(result.is_auth_failure());
  EXPECT_EQ(verifier.verify("Bearer   ", body, now).problem, WebhookProblem::kMissingAuthorization);
}

TEST_F(WebhookVerify, ATokenWithoutSha256ClaimDoesNotMatchAnyBody) {
  const std::string token = mint_token("APIkey", "secret", {}, seconds(300), now);
  const WebhookResult result = verifier.verify(token, body, now);
  EXPECT_EQ(result.problem, WebhookProblem::kBodyHashMismatch);
  EXPECT_TRUE(result.is_auth_failure());
}

TEST_F(WebhookVerify, InvalidTokensReportTheCheck) {
  const std::string token = mint_token("APIother", "secret", {}, seconds(300), now);
  const WebhookResult result = verifier.verify("Bearer " + token, body, now);
  EXPECT_EQ(result.problem, WebhookProblem::kInvalidToken);
  EXPECT_EQ(result.token_check, TokenCheck::kWrongIssuer);
  EXPECT_EQ(result.reason, "token was not issued by the webhook api key");
}

TEST(WebhookVerifySdk, AcceptsAWebhookSignedByTheOfficialSdk) {
  const auto sdk = testing::load_sdk_fixture();
  const WebhookVerifier verifier(sdk.api_key, sdk.api_secret, seconds(60));
  const WebhookResult result = verifier.verify(sdk.webhook_token, sdk.body, sdk.minted_at);
  ASSERT_TRUE(result.ok()) << result.reason;
  EXPECT_EQ(result.event.event, "room_started");
  EXPECT_EQ(result.event.room->name, "Sprechstunde Zürich");
  EXPECT_TRUE(verifier.verify("Bearer " + sdk.webhook_token, sdk.body, sdk.minted_at).ok());
}

TEST(WebhookVerifySdk, AResultRefilledAfterARejectionCarriesNoneOfIt) {
  const auto sdk = testing::load_sdk_fixture();
  const WebhookVerifier verifier(sdk.api_key, sdk.api_secret, seconds(60));
  WebhookResult result;
  verifier.verify(sdk.webhook_token, sdk.body + " ", sdk.minted_at, result);
  ASSERT_EQ(result.problem, WebhookProblem::kBodyHashMismatch);
  verifier.verify(sdk.webhook_token, sdk.body, sdk.minted_at, result);
  EXPECT_TRUE(result.ok()) << result.reason;
  EXPECT_EQ(result.reason, "");
  EXPECT_EQ(result.token_check, TokenCheck::kOk);
  verifier.verify("", sdk.body, sdk.minted_at, result);
  EXPECT_EQ(result.problem, WebhookProblem::kMissingAuthorization);
}

TEST(WebhookVerifySdk, RefusesTheSdkTokenForAnyOtherBody) {
  const auto sdk = testing::load_sdk_fixture();
  const WebhookVerifier verifier(sdk.api_key, sdk.api_secret, seconds(60));
  std::string tampered = sdk.body;
  tampered.back() = ' ';
  EXPECT_EQ(verifier.verify(sdk.webhook_token, tampered, sdk.minted_at).problem,
            WebhookProblem::kBodyHashMismatch);
  EXPECT_EQ(verifier.verify(sdk.webhook_token, sdk.body + " ", sdk.minted_at).problem,
            WebhookProblem::kBodyHashMismatch);
}

TEST(BodyHash, IsStandardPaddedBase64OfSha256) {
  EXPECT_EQ(body_hash(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(body_hash("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

}  // namespace
}  // namespace ar::livekit
