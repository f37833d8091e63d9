// The one place webhook outcomes become HTTP status codes, and the probes: what LiveKit and
// Kubernetes see for each answer of the recorder, on a real verifier and recorder over a fake
// LiveKit (tests/unit/recorder/fakes.hpp).
#include "server/routes.hpp"

#include <gtest/gtest.h>

#include <string>

#include "livekit/token.hpp"
#include "recorder/fakes.hpp"
#include "recorder/recorded_events.hpp"
#include "recording/policy.hpp"
#include "server/answer.hpp"
#include "telemetry/log.hpp"
#include "util/base64.hpp"
#include "util/crypto.hpp"

namespace ar::server {
namespace {

constexpr std::string_view kKey = "APIroutes";
constexpr std::string_view kSecret = "routes-secret-of-32-characters!!";

std::string room_started(std::string_view room, std::string_view id) {
  return std::string(R"({"event":"room_started","id":")") + std::string(id) +
         R"(","room":{"sid":"RM_)" + std::string(room) + R"(","name":")" + std::string(room) +
         R"("}})";
}

// Lobbies are not recorded.
std::vector<recording::Rule> skip_lobbies() {
  recording::Rule skip;
  skip.label = "rules[0]";
  skip.match = recording::make_room_match("lobby-*", "", {});
  skip.record = false;
  return {skip};
}

class RoutesTest : public ::testing::Test {
 protected:
  RoutesTest() { log::setup({.level = log::Level::kError}); }

  // A webhook as LiveKit signs it: the body's SHA-256 in the token.
  HttpResponse post(const std::string& body, std::string_view secret = kSecret) {
    const std::string token =
        livekit::mint_token(kKey, secret, {}, std::chrono::minutes(5), livekit::Clock::now(),
                            util::base64_encode(util::as_bytes(util::sha256(body))));
    return handle(
        {.method = "POST", .target = "/webhook-receiver", .authorization = token, .body = body});
  }
  HttpResponse get(std::string_view target) {
    return handle({.method = "GET", .target = target, .authorization = "", .body = ""});
  }
  // Every route of Routes answers before it returns.
  HttpResponse handle(const HttpRequest& request) {
    return ar::testing::answer_now(
        [this](const HttpRequest& r, Responder respond) { routes.handle(r, std::move(respond)); },
        request);
  }

  recording::Plan top_level;
  std::vector<recording::Rule> rules = skip_lobbies();
  recorder::Delivery delivery;
  ar::testing::Answers answers;
  ar::testing::FakeLiveKit livekit{answers};
  ar::testing::ManualTimers timers;
  recording::Policy policy{top_level, rules};
  ar::testing::RecordedEvents events;
  recorder::Recorder recorder{{.policy = policy,
                               .delivery = delivery,
                               .api = livekit,
                               .timers = timers,
                               .events = events,
                               .seed = 7}};
  livekit::WebhookVerifier verifier{std::string(kKey), std::string(kSecret),
                                    std::chrono::seconds(10)};
  Routes routes{verifier, recorder};
};

TEST_F(RoutesTest, AVerifiedRoomStartedIsAnswered200AndRecorded) {
  livekit.add_room("class-1");
  const HttpResponse answer = post(room_started("class-1", "EV_1"));
  EXPECT_EQ(answer.status, 200U);
  EXPECT_EQ(answer.body, "ok\n");
  ar::testing::settle(answers, timers, std::chrono::milliseconds(0));
  EXPECT_EQ(livekit.starts_for("class-1"), 1U);
}

TEST_F(RoutesTest, EachVerdictHasItsAnswer) {
  livekit.add_room("class-1");
  EXPECT_EQ(post(room_started("class-1", "EV_1")).status, 200U);
  const HttpResponse again = post(room_started("class-1", "EV_1"));
  EXPECT_EQ(again.status, 200U);
  EXPECT_EQ(again.body, "ok: duplicate\n");
  const HttpResponse skipped = post(room_started("lobby-1", "EV_2"));
  EXPECT_EQ(skipped.status, 200U);
  EXPECT_EQ(skipped.body, "ok: not recorded (recording policy)\n");
  recorder.shut_down();
  const HttpResponse late = post(room_started("class-2", "EV_3"));
  EXPECT_EQ(late.status, 503U) << "LiveKit retries; another replica takes it";
  EXPECT_EQ(late.body, "shutting down, retry later\n");
}

TEST_F(RoutesTest, ABadSignatureIs401AndABodyThatIsNoEventIs400NeitherRecorded) {
  livekit.add_room("class-1");
  const HttpResponse forged =
      post(room_started("class-1", "EV_1"), "another-secret-of-32-characters");
  EXPECT_EQ(forged.status, 401U);
  EXPECT_NE(forged.body.find("signature"), std::string::npos) << forged.body;
  const HttpResponse unsigned_body =
      handle({.method = "POST", .target = "/webhook-receiver", .authorization = "", .body = "{}"});
  EXPECT_EQ(unsigned_body.status, 401U);
  const HttpResponse not_an_event = post("[1, 2]");
  EXPECT_EQ(not_an_event.status, 400U);
  ar::testing::settle(answers, timers, std::chrono::milliseconds(0));
  EXPECT_EQ(livekit.starts_for("class-1"), 0U);
}

TEST_F(RoutesTest, ProbesAndWrongMethodsAndPaths) {
  EXPECT_EQ(get("/livez").status, 200U);
  EXPECT_EQ(get("/readyz").status, 200U);
  routes.set_shutting_down();
  EXPECT_EQ(get("/readyz").status, 503U);
  EXPECT_EQ(get("/livez").status, 200U) << "alive while it drains";
  const HttpResponse wrong = get("/webhook-receiver");
  EXPECT_EQ(wrong.status, 405U);
  EXPECT_EQ(wrong.allow, "POST");
  EXPECT_EQ(get("/nothing").status, 404U);
  EXPECT_EQ(get("/v1/rooms").status, 404U) << "the API is off without a token";
  EXPECT_EQ(
      routes
          .handle_health(
              {.method = "POST", .target = "/webhook-receiver", .authorization = "", .body = ""})
          .status,
      404U)
      << "webhooks are not served on the health port";
}

}  // namespace
}  // namespace ar::server
