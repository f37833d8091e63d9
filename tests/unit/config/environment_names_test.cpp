// Misspelt environment variables draw a warning with the nearest real one; what Kubernetes and
// other software put in the environment does not.
#include "config/environment_names.hpp"

#include <gtest/gtest.h>

namespace ar::config {
namespace {

TEST(UnknownVariables, NearMissesGetADidYouMean) {
  const auto messages = unknown_variables({{"S3_ENDPIONT", "http://minio:9000"},
                                           {"S3_FORCE_PATHSTYLE", "true"},
                                           {"LIVEKIT_API_SECRETT_FILE", "/x"},
                                           {"REDIS_PASWORD", "x"}});
  ASSERT_EQ(messages.size(), 4U);
  EXPECT_EQ(messages[0],
            "environment variable S3_ENDPIONT is not a setting: did you mean S3_ENDPOINT?; it "
            "is ignored");
  EXPECT_NE(messages[1].find("did you mean S3_FORCE_PATH_STYLE?"), std::string::npos);
  EXPECT_NE(messages[2].find("did you mean LIVEKIT_API_SECRET_FILE?"), std::string::npos);
  EXPECT_NE(messages[3].find("did you mean REDIS_PASSWORD?"), std::string::npos);
  EXPECT_EQ(messages[3].find("=x"), std::string::npos) << "values are never shown";
}

TEST(UnknownVariables, FarFromAnySettingIsStillNamed) {
  const auto messages = unknown_variables({{"LIVEKIT_SOMETHING_ELSE_ENTIRELY", "1"}});
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_NE(messages[0].find("LIVEKIT_SOMETHING_ELSE_ENTIRELY is not a setting (see "),
            std::string::npos);
}

TEST(UnknownVariables, SettingsFilesAndOtherSoftwaresVariablesPass) {
  EXPECT_TRUE(unknown_variables({{"S3_ENDPOINT", "x"},
                                 {"LIVEKIT_API_SECRET_FILE", "/run/secret"},
                                 {"REDIS_PASSWORD_FILE", "/run/secret"},
                                 {"GOOGLE_APPLICATION_CREDENTIALS", "/key.json"},
                                 {"AUTO_RECORDER_CONFIG_BODY", "layout: grid"},
                                 {"STORAGE", "egress"},
                                 {"HOME", "/"},
                                 {"PATH", "/bin"},
                                 {"KUBERNETES_SERVICE_HOST", "10.0.0.1"}})
                  .empty());
  // Service links for Services named "redis" and "livekit-server".
  EXPECT_TRUE(unknown_variables({{"REDIS_SERVICE_HOST", "10.0.0.2"},
                                 {"REDIS_SERVICE_PORT", "6379"},
                                 {"REDIS_PORT", "tcp://10.0.0.2:6379"},
                                 {"REDIS_PORT_6379_TCP", "tcp://10.0.0.2:6379"},
                                 {"REDIS_PORT_6379_TCP_ADDR", "10.0.0.2"},
                                 {"REDIS_PORT_6379_TCP_PROTO", "tcp"},
                                 {"LIVEKIT_SERVER_SERVICE_PORT_HTTP", "7880"},
                                 {"LIVEKIT_SERVER_PORT_7880_UDP_PORT", "7880"}})
                  .empty());
  EXPECT_EQ(unknown_variables({{"REDIS_PORT", "6380"}}).size(), 1U)
      << "not a service link: a typo (the setting is REDIS_ADDRESS)";
}

}  // namespace
}  // namespace ar::config
