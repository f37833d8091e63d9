// NOTIFY_URL and notifications: checked, with messages that name the setting and never a secret.
#include <gtest/gtest.h>

#include <map>

#include "config/describe.hpp"
#include "config/error.hpp"
#include "config/load.hpp"

namespace ar::config {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;
const std::string kWhsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kOldSecret = "whsec_c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcyE=";

EnvLookup notify_env(Vars extra = {}) {
  Vars vars{{"LIVEKIT_API_KEY", "APIkey"}, {"LIVEKIT_API_SECRET", "secret"}, {"S3_BUCKET", "b"}};
  for (auto& [k, v] : extra) vars[k] = v;
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

std::string notify_error(const std::string& yaml, Vars extra = {}) {
  try {
    load_config_yaml(yaml, notify_env(std::move(extra)));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(ConfigNotifications, OneEndpointFromTheEnvironmentGetsEveryEvent) {
  const Config c =
      load_config_yaml("", notify_env({{"NOTIFY_URL", "https://app.example.com/hooks/rec?k=1"},
                                       {"NOTIFY_SECRET", kWhsec + " " + kOldSecret},
                                       {"NOTIFY_TIMEOUT", "3s"}}));
  ASSERT_EQ(c.notify.endpoints.size(), 1U);
  const notify::Endpoint& e = c.notify.endpoints[0];
  EXPECT_EQ(e.name(), "app.example.com:443");  // never the path: it may hold a token
  EXPECT_EQ(e.keys.size(), 2U);                // a rotation: both sign
  EXPECT_EQ(e.timeout, std::chrono::seconds(3));
  EXPECT_TRUE(e.subscription.session_finished && e.subscription.recording_ended);
  EXPECT_EQ(c.ledger.subscriptions.size(), 1U);
  EXPECT_EQ(c.notify.give_up_after, std::chrono::hours(24));
  EXPECT_EQ(c.notify.max_backoff, std::chrono::minutes(5));
  const std::string shown = describe(c);
  EXPECT_NE(shown.find("app.example.com:443 <- room_session.finished, recording.ended; "
                       "POST https://app.example.com:443/..., timeout 3s, 2 secrets"),
            std::string::npos)
      << shown;
  EXPECT_EQ(shown.find("/hooks/rec"), std::string::npos);
  EXPECT_EQ(shown.find("notification."), std::string::npos);  // each endpoint's, shown with it
  EXPECT_EQ(shown.find("MfKQ9r8G"), std::string::npos);
}

TEST(ConfigNotifications, EndpointsInYamlWantWhatTheySay) {
  const Config c = load_config_yaml(R"(
notifications:
  - url: http://hooks.internal:9000/recordings
    name: app
    secret: )" + kWhsec + R"(
    metadata: true
  - url: https://pager.example.com/alert
    secret: )" + kWhsec + R"(
    events: [room_session.finished]
    statuses: unrecorded, partial
    timeout: 2s
)",
                                    notify_env());
  ASSERT_EQ(c.notify.endpoints.size(), 2U);
  EXPECT_EQ(c.notify.endpoints[0].name(), "app");
  EXPECT_TRUE(c.notify.endpoints[0].subscription.metadata);
  const ledger::Subscription& pager = c.notify.endpoints[1].subscription;
  EXPECT_EQ(pager.endpoint, "pager.example.com:443");
  EXPECT_FALSE(pager.recording_ended);
  EXPECT_TRUE(pager.wants(model::SessionStatus::kPartial));
  EXPECT_FALSE(pager.wants(model::SessionStatus::kRecorded));
  EXPECT_EQ(c.notify.endpoints[1].timeout, std::chrono::seconds(2));
  EXPECT_EQ(c.notify.endpoints[0].timeout, std::chrono::seconds(10));  // notify_timeout's
}

TEST(ConfigNotifications, MistakesAreNamedWithTheFixAndNoSecret) {
  EXPECT_EQ(notify_error("", {{"NOTIFY_URL", "https://a.example.com/h"}}),
            "notify_secret (NOTIFY_SECRET) is required: the secret the receiver verifies "
            "signatures with");
  const std::string weak = notify_error(
      "", {{"NOTIFY_URL", "https://a.example.com/h"}, {"NOTIFY_SECRET", "whsec_c2hvcnQtc2VjcmV0"}});
  EXPECT_NE(weak.find("notify_secret (NOTIFY_SECRET) is not a Standard Webhooks secret"),
            std::string::npos)
      << weak;
  EXPECT_EQ(weak.find("c2hvcnQtc2VjcmV0"), std::string::npos);
  // The Secret's optional key before anyone set NOTIFY_URL: said, not fatal.
  const Config unused = load_config_yaml("", notify_env({{"NOTIFY_SECRET", kWhsec}}));
  ASSERT_EQ(unused.warnings.size(), 1U);
  EXPECT_NE(unused.warnings[0].find("notify_secret (NOTIFY_SECRET) is set, but no endpoint signs"),
            std::string::npos);
  // An endpoint without a secret of its own signs with NOTIFY_SECRET.
  EXPECT_EQ(notify_error("notifications:\n  - url: http://a/h\n", {{"NOTIFY_SECRET", kWhsec}}),
            "(loaded)");
  EXPECT_NE(notify_error("notifications:\n  - url: http://a/h\n")
                .find("notifications[0].secret (or notify_secret, NOTIFY_SECRET) is required"),
            std::string::npos);
  const std::string hidden =
      notify_error("", {{"NOTIFY_URL", "ftp://u:hunter2-pass@x/"}, {"NOTIFY_SECRET", kWhsec}});
  EXPECT_NE(hidden.find("notify_url (NOTIFY_URL) is not an http:// or https:// URL"),
            std::string::npos)
      << hidden;
  EXPECT_EQ(hidden.find("hunter2"), std::string::npos);
  const std::string typo = notify_error("notifications:\n  - url: http://a/h\n    sercet: x\n");
  EXPECT_NE(typo.find("notifications[0].sercet"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean"), std::string::npos) << typo;
  const std::string event =
      notify_error("notifications:\n  - url: http://a/h\n    secret: " + kWhsec +
                   "\n    events: room_session.finish\n");
  EXPECT_NE(event.find("notifications[0].events: \"room_session.finish\" is not an event: did you "
                       "mean room_session.finished?"),
            std::string::npos)
      << event;
  const std::string status = notify_error(
      "notifications:\n  - url: http://a/h\n    secret: " + kWhsec + "\n    statuses: unrecorde\n");
  EXPECT_NE(status.find("did you mean unrecorded?"), std::string::npos) << status;
  const std::string twice =
      notify_error("notifications:\n  - url: http://a/h\n    secret: " + kWhsec +
                   "\n  - url: http://a/h\n    secret: " + kWhsec + "\n");
  EXPECT_NE(twice.find("two notification endpoints are named \"a:80\""), std::string::npos)
      << twice;
  EXPECT_NE(notify_error("", {{"NOTIFY_TIMEOUT", "3s"}})
                .find("notify_timeout (NOTIFY_TIMEOUT) is "
                      "set, but no notification endpoint"),
            std::string::npos);
  const std::string metadata =
      notify_error("notifications:\n  - url: http://a/h\n    secret: " + kWhsec +
                   "\n    events: recording.ended\n    metadata: true\n");
  EXPECT_NE(metadata.find("notifications[0].metadata puts the room's metadata in"),
            std::string::npos)
      << metadata;
  EXPECT_NE(notify_error("notification:\n  url: http://a/h\n").find("under notifications:"),
            std::string::npos);
  EXPECT_NE(notify_error("ledger: off\n", {{"NOTIFY_URL", "http://a/h"}, {"NOTIFY_SECRET", kWhsec}})
                .find("notifications need the ledger"),
            std::string::npos);
}

}  // namespace
}  // namespace ar::config
