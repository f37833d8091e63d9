#include "config/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "config/describe.hpp"
#include "config/raw.hpp"

namespace ar::config {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string, std::less<>>;

class ConfigLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ar-config-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    previous_ = fs::current_path();
    fs::current_path(dir_);  // so ./config.yaml is this test's own
  }
  void TearDown() override {
    fs::current_path(previous_);
    fs::remove_all(dir_);
  }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  static EnvLookup env(Vars vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
      if (auto it = vars.find(name); it != vars.end()) return it->second;
      return std::nullopt;
    };
  }

  static Vars minimal(Vars extra = {}) {
    Vars vars{{"LIVEKIT_API_KEY", "APIkey"}, {"LIVEKIT_API_SECRET", "secret"}, {"S3_BUCKET", "b"}};
    for (auto& [k, v] : extra) vars[k] = v;
    return vars;
  }

  std::string error_of(const Vars& vars, std::optional<std::string> path = std::nullopt) {
    try {
      load_config(env(vars), path);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(loaded)";
  }

  fs::path dir_;
  fs::path previous_;
};

TEST_F(ConfigLoad, TheProxyForLiveKitComesFromTheEnvironmentAndIsShownRedacted) {
  EXPECT_FALSE(load_config(env(minimal()), std::nullopt).livekit.proxy);
  const Config c =
      load_config(env(minimal({{"LIVEKIT_HOST", "https://lk.example.com"},
                               {"HTTPS_PROXY", "http://user:proxy-password@proxy:3128"}})),
                  std::nullopt);
  ASSERT_TRUE(c.livekit.proxy);
  EXPECT_EQ(c.livekit.proxy->host, "proxy");
  EXPECT_TRUE(c.warnings.empty());
  const std::string shown = describe(c);
  EXPECT_NE(shown.find("reached through the proxy http://user:<redacted>@proxy:3128 "
                       "($HTTPS_PROXY)"),
            std::string::npos);
  EXPECT_EQ(shown.find("proxy-password"), std::string::npos);
  const std::string refused = error_of(minimal({{"HTTP_PROXY", "ftp://u:proxy-password@p"}}));
  EXPECT_NE(refused.find("HTTP_PROXY is not a proxy URL"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("proxy-password"), std::string::npos);
}

TEST_F(ConfigLoad, DefaultsMatchTheDocumentation) {
  const Config c = load_config(env(minimal()), std::nullopt);
  EXPECT_EQ(c.livekit.url, "http://localhost:7880");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.recording.layout, "grid");
  EXPECT_EQ(c.recording.file->type, recording::FileType::kMp4);
  EXPECT_EQ(c.recording.file->path, "recordings/{room_name}-{time}");
  EXPECT_EQ(c.server.max_body_bytes, 1024U * 1024U);
  EXPECT_EQ(c.server.shutdown_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.webhook.api_key, "APIkey");
  EXPECT_EQ(c.webhook.api_secret, "secret");
  EXPECT_EQ(c.log.level, log::Level::kInfo);
  EXPECT_EQ(c.log.format, log::Format::kText);
  EXPECT_EQ(c.source, "environment only (no config.yaml)");
}

TEST_F(ConfigLoad, ReadsTheSeedExampleAndEnvironmentOverridesIt) {
  write("config.yaml", R"(
livekit_host: "http://livekit-server.svc.cluster.local:7880"
livekit_api_key: "your-api-key"
livekit_api_secret: "your-api-secret"
webhook_api_key: "your-api-key"
listen_port: "8081"
layout: "grid-16"
file_type: "MP4"
file_path: "recordings/{room_name}-{time}"
storage:
  s3:
    bucket: "my-recordings-bucket"
    region: "us-east-1"
)");
  Config c = load_config(env({}), std::nullopt);
  EXPECT_EQ(c.livekit.url, "http://livekit-server.svc.cluster.local:7880");
  EXPECT_EQ(c.server.port, 8081);
  EXPECT_EQ(c.recording.layout, "grid-16");
  EXPECT_EQ(std::get<recording::S3Storage>(*c.storage).bucket, "my-recordings-bucket");
  EXPECT_EQ(c.source, "config.yaml + environment");

  c = load_config(env({{"PORT", "9000"}, {"LAYOUT", "speaker"}, {"S3_REGION", "eu-west-1"}}),
                  std::nullopt);
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.recording.layout, "speaker");
  EXPECT_EQ(std::get<recording::S3Storage>(*c.storage).region, "eu-west-1");
  EXPECT_EQ(std::get<recording::S3Storage>(*c.storage).bucket, "my-recordings-bucket");
}

TEST_F(ConfigLoad, EmptyEnvironmentVariablesDoNotOverride) {
  write("config.yaml", "layout: speaker\nstorage: {s3: {bucket: b}}\n");
  const Config c = load_config(env(minimal({{"LAYOUT", ""}})), std::nullopt);
  EXPECT_EQ(c.recording.layout, "speaker");
}

TEST_F(ConfigLoad, ConfigFileComesFromFlagThenConfigFileVariable) {
  const std::string a = write("a.yaml", "layout: from-a\n");
  const std::string b = write("b.yaml", "layout: from-b\n");
  EXPECT_EQ(load_config(env(minimal({{"CONFIG_FILE", b}})), std::nullopt).recording.layout,
            "from-b");
  EXPECT_EQ(load_config(env(minimal({{"CONFIG_FILE", b}})), a).recording.layout, "from-a");
}

TEST_F(ConfigLoad, ANamedConfigFileMustExist) {
  EXPECT_EQ(error_of(minimal(), "/nonexistent/x.yaml"),
            "config file /nonexistent/x.yaml does not exist (named by --config): fix the path, or "
            "unset it to configure through the environment only");
  EXPECT_NE(
      error_of(minimal({{"CONFIG_FILE", "/nonexistent/y.yaml"}})).find("named by CONFIG_FILE"),
      std::string::npos);
}

TEST_F(ConfigLoad, ExpandsVariablesInValues) {
  write("config.yaml", R"(
livekit_api_secret: "${LK_SECRET}"
layout: "${LAYOUT_CHOICE:-speaker-dark}"
storage:
  s3:
    bucket: "rec-${TENANT}"
    metadata:
      tenant: "${TENANT}"
)");
  const Config c = load_config(
      env({{"LIVEKIT_API_KEY", "k"}, {"LK_SECRET", "from-env"}, {"TENANT", "acme"}}), std::nullopt);
  EXPECT_EQ(c.livekit.api_secret, "from-env");
  EXPECT_EQ(c.recording.layout, "speaker-dark");
  EXPECT_EQ(std::get<recording::S3Storage>(*c.storage).bucket, "rec-acme");
  EXPECT_EQ(std::get<recording::S3Storage>(*c.storage).metadata.at("tenant"), "acme");
}

TEST_F(ConfigLoad, AnUnsetVariableInTheFileNamesTheKeyAndTheVariable) {
  write("config.yaml", "storage:\n  s3:\n    bucket: ${BUKET}\n");
  EXPECT_EQ(error_of(minimal()),
            "config.yaml: storage.s3.bucket: ${BUKET} is not set: set the variable, or write "
            "${BUKET:-} to allow it to be empty");
}

TEST_F(ConfigLoad, UnknownKeysAreErrorsWithASuggestion) {
  write("config.yaml", "storage:\n  s3:\n    bukcet: b\n");
  EXPECT_EQ(error_of(minimal()),
            "config.yaml:3: \"storage.s3.bukcet\" is not a known setting: did you mean "
            "\"storage.s3.bucket\"?");
  write("config.yaml", "totally_new: 1\n");
  EXPECT_EQ(error_of(minimal()),
            "config.yaml:1: \"totally_new\" is not a known setting (see docs/configuration.md)");
}

TEST_F(ConfigLoad, InvalidYamlNamesTheLine) {
  write("config.yaml", "layout: [unclosed\n");
  EXPECT_NE(error_of(minimal()).find("config file config.yaml is not valid YAML: line"),
            std::string::npos);
  write("config.yaml", "storage:\n  s3: [1, 2]\n");
  EXPECT_EQ(error_of(minimal()), "config.yaml:2: \"storage.s3\" must be a mapping");
}

TEST_F(ConfigLoad, KeysThatAreNotNamesAreRefusedNotThrownThrough) {
  // Found while writing the config fuzz target: YAML allows sequences and maps as keys.
  const EnvLookup e = env(minimal());
  for (const char* text :
       {"[a, b]: 1\n", "{a: 1}: 2\n", "storage:\n  s3:\n    metadata:\n      [x]: y\n",
        "? [complex]\n: key\n", "*anchor: 1\n", "storage: !!binary aGVsbG8=\n"}) {
    EXPECT_THROW(load_config_yaml(text, e), ConfigError) << text;
  }
  EXPECT_NO_THROW(load_config_yaml("layout: grid\n", e));
}

// Found by the config fuzz target: asking yaml-cpp 0.7 for the document after this broken one
// never returned (the alias check read every document; now only the first, as YAML::Load does).
TEST_F(ConfigLoad, ABrokenFirstDocumentIsReadOnce) {
  const std::string text = ",ivekit_host: \"ws://livekit:-${MISSIN" + std::string(15, '\x9f') +
                           "\x98ge da" + std::string(60, '\x15') + "ta:\n      a: \"${EMPTY}\"\n";
  try {
    load_config_yaml(text, env(minimal()));
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "config file config.yaml holds no settings although it is not empty: is it YAML?");
  }
  EXPECT_NO_THROW(load_config_yaml("# only a comment\n---\n\n", env(minimal())));
}

TEST_F(ConfigLoad, AliasesAreRefusedWithTheirLine) {
  write("config.yaml", "storage: {s3: {bucket: &b x}}\nlayout: *b\n");
  EXPECT_EQ(error_of(minimal()),
            "config.yaml:2: YAML aliases (*name) are not supported: write the value out (a few "
            "hundred bytes of nested aliases can expand to gigabytes)");
}

TEST_F(ConfigLoad, AReaderAskedForAKeyThatIsNoSettingSaysSoInsteadOfCrashing) {
  const RawSettings raw;
  const Reader in(raw);
  EXPECT_THROW((void)in.text("no_such_setting"), std::logic_error);
  EXPECT_EQ(in.text("layout"), "grid");
}

TEST_F(ConfigLoad, RequiresTheApiKeyAndSecret) {
  EXPECT_EQ(error_of({{"S3_BUCKET", "b"}}),
            "livekit_api_key (LIVEKIT_API_KEY) is required to call LiveKit's Egress API: set it in "
            "the config file or the environment");
  EXPECT_EQ(error_of({{"S3_BUCKET", "b"}, {"LIVEKIT_API_KEY", "k"}}),
            "livekit_api_secret (LIVEKIT_API_SECRET) is required to call LiveKit's Egress API: "
            "set it in the config file or the environment");
}

TEST_F(ConfigLoad, AWebhookKeyOfItsOwnNeedsItsSecret) {
  EXPECT_NE(error_of(minimal({{"WEBHOOK_API_KEY", "APIwebhook"}}))
                .find("set webhook_api_secret (WEBHOOK_API_SECRET)"),
            std::string::npos);
  const Config c = load_config(
      env(minimal({{"WEBHOOK_API_KEY", "APIwebhook"}, {"WEBHOOK_API_SECRET", "whsecret"}})),
      std::nullopt);
  EXPECT_EQ(c.webhook.api_key, "APIwebhook");
  EXPECT_EQ(c.webhook.api_secret, "whsecret");
  EXPECT_EQ(c.livekit.api_secret, "secret");
}

TEST_F(ConfigLoad, MapsWebSocketHosts) {
  EXPECT_EQ(load_config(env(minimal({{"LIVEKIT_HOST", "wss://lk.example.com"}})), std::nullopt)
                .livekit.url,
            "https://lk.example.com");
  EXPECT_NE(error_of(minimal({{"LIVEKIT_HOST", "livekit:7880"}})).find("is not a LiveKit URL"),
            std::string::npos);
}

TEST_F(ConfigLoad, FileTypesAreCaseInsensitiveAndWebmIsExplained) {
  EXPECT_EQ(load_config(env(minimal({{"FILE_TYPE", "ogg"}})), std::nullopt).recording.file->type,
            recording::FileType::kOgg);
  EXPECT_EQ(load_config(env(minimal({{"FILE_TYPE", "Mp3"}})), std::nullopt).recording.file->type,
            recording::FileType::kMp3);
  EXPECT_EQ(error_of(minimal({{"FILE_TYPE", "WEBM"}})),
            "file_type (FILE_TYPE): WEBM is not a LiveKit file type for room recordings (LiveKit "
            "writes WebM only for track egress): use MP4, OGG or MP3");
  EXPECT_EQ(error_of(minimal({{"FILE_TYPE", "avi"}})),
            "file_type (FILE_TYPE): \"avi\" is not a LiveKit file type: use MP4, OGG or MP3");
}

TEST_F(ConfigLoad, NumbersAndDurationsAreChecked) {
  EXPECT_EQ(error_of(minimal({{"PORT", "80a"}})),
            "listen_port (PORT): \"80a\" is not a whole number from 1 to 65535");
  EXPECT_EQ(error_of(minimal({{"PORT", "70000"}})),
            "listen_port (PORT): \"70000\" is not a whole number from 1 to 65535");
  EXPECT_NE(error_of(minimal({{"SHUTDOWN_TIMEOUT", "10"}})).find("is not a duration"),
            std::string::npos);
  EXPECT_EQ(
      load_config(env(minimal({{"SHUTDOWN_TIMEOUT", "1m"}})), std::nullopt).server.shutdown_timeout,
      std::chrono::minutes(1));
}

TEST_F(ConfigLoad, StorageMustBeExactlyOneProvider) {
  EXPECT_EQ(error_of({{"LIVEKIT_API_KEY", "k"}, {"LIVEKIT_API_SECRET", "s"}}).substr(0, 30),
            "No storage provider configured");
  EXPECT_EQ(error_of(minimal({{"AZURE_STORAGE_ACCOUNT", "acct"}})),
            "Only one storage provider can be configured, found s3 (storage.s3.bucket (S3_BUCKET) "
            "set by $S3_BUCKET); azure (storage.azure.account_name (AZURE_STORAGE_ACCOUNT) set by "
            "$AZURE_STORAGE_ACCOUNT): remove the settings (YAML and environment) of the ones you "
            "do not use");
  write("config.yaml", "storage:\n  gcp: {}\n");
  EXPECT_EQ(error_of(minimal()).substr(0, 50),
            "Only one storage provider can be configured, found");
}

TEST_F(ConfigLoad, TheConfigurationCanComeInAVariable) {
  Vars vars{
      {"LIVEKIT_API_KEY", "k"},
      {"LIVEKIT_API_SECRET", "s"},
      {"AUTO_RECORDER_CONFIG_BODY", "layout: speaker\nstorage:\n  s3: {bucket: from-body}\n"}};
  write("config.yaml", "layout: grid\nstorage:\n  s3: {bucket: from-file}\n");
  const Config config = load_config(env(vars), std::nullopt);
  EXPECT_EQ(config.source, "$AUTO_RECORDER_CONFIG_BODY + environment");
  EXPECT_EQ(std::get<recording::S3Storage>(*config.storage).bucket, "from-body")
      << "./config.yaml is not read";
  vars["CONFIG_FILE"] = "config.yaml";
  EXPECT_EQ(
      error_of(vars),
      "AUTO_RECORDER_CONFIG_BODY and CONFIG_FILE are both set: give the configuration one way");
  vars.erase("CONFIG_FILE");
  vars["AUTO_RECORDER_CONFIG_BODY"] = "layout: [oops";
  EXPECT_NE(error_of(vars).find("config file $AUTO_RECORDER_CONFIG_BODY is not valid YAML: line 1"),
            std::string::npos);
  vars["AUTO_RECORDER_CONFIG_BODY"] = "layuot: grid\n";
  EXPECT_NE(error_of(vars).find("did you mean \"layout\"?"), std::string::npos);
}

TEST_F(ConfigLoad, StorageEgressSendsNoUploadAndTakesNoProvider) {
  const Vars keys{{"LIVEKIT_API_KEY", "k"}, {"LIVEKIT_API_SECRET", "s"}};
  write("config.yaml", "storage: egress\n");
  EXPECT_TRUE(std::holds_alternative<recording::EgressStorage>(
      *load_config(env(keys), std::nullopt).storage));
  write("config.yaml", "storage: Egress\nlayout: speaker\n");
  EXPECT_EQ(recording::storage_name(*load_config(env(keys), std::nullopt).storage), "egress");
  write("config.yaml", "storage:\n  s3: {bucket: b}\n");
  Vars with_env = keys;
  with_env.emplace("STORAGE", "egress");
  EXPECT_NE(
      error_of(with_env).find("but storage.s3 is configured too (storage.s3.bucket (S3_BUCKET) "
                              "set by "),
      std::string::npos);
}

TEST_F(ConfigLoad, EachProviderNamesItsMissingField) {
  const Vars base{{"LIVEKIT_API_KEY", "k"}, {"LIVEKIT_API_SECRET", "s"}};
  auto with = [&](Vars extra) {
    Vars vars = base;
    vars.insert(extra.begin(), extra.end());
    return vars;
  };
  EXPECT_EQ(error_of(with({{"S3_REGION", "r"}})),
            "storage.s3.bucket (S3_BUCKET) is required for S3 storage: set it in the config file "
            "or the environment");
  EXPECT_NE(error_of(with({{"S3_BUCKET", "b"}, {"S3_ACCESS_KEY", "a"}})).find("go together"),
            std::string::npos);
  EXPECT_NE(error_of(with({{"AZURE_STORAGE_ACCOUNT", "a"}, {"AZURE_CONTAINER_NAME", "c"}}))
                .find("storage.azure.account_key (AZURE_STORAGE_KEY) is required"),
            std::string::npos);
  // Without a key egress uses its Application Default Credentials (Workload Identity).
  EXPECT_EQ(std::get<recording::GcpStorage>(
                *load_config(env(with({{"GCP_BUCKET", "b"}})), std::nullopt).storage)
                .credentials_json,
            "");
  EXPECT_NE(
      error_of(with({{"ALIOSS_ACCESS_KEY", "a"}, {"ALIOSS_SECRET", "s"}, {"ALIOSS_BUCKET", "b"}}))
          .find("storage.alioss.region (ALIOSS_REGION) is required"),
      std::string::npos);
}

TEST_F(ConfigLoad, GcpCredentialsAreAPathOrTheJsonAndNeverEchoed) {
  const std::string json = R"({"type":"service_account","private_key":"TOPSECRET"})";
  const std::string path = write("key.json", json);
  const Vars base{{"LIVEKIT_API_KEY", "k"}, {"LIVEKIT_API_SECRET", "s"}, {"GCP_BUCKET", "b"}};
  auto with = [&](std::string creds) {
    Vars vars = base;
    vars["GOOGLE_APPLICATION_CREDENTIALS"] = std::move(creds);
    return vars;
  };
  EXPECT_EQ(std::get<recording::GcpStorage>(*load_config(env(with(path)), std::nullopt).storage)
                .credentials_json,
            json);
  EXPECT_EQ(std::get<recording::GcpStorage>(*load_config(env(with(json)), std::nullopt).storage)
                .credentials_json,
            json);

  const std::string missing = error_of(with("/no/such/key.json"));
  EXPECT_NE(missing.find("the credentials file /no/such/key.json does not exist"),
            std::string::npos);
  const std::string broken_path = write("broken.json", "{\"private_key\": \"TOPSECRET\"");
  const std::string broken = error_of(with(broken_path));
  EXPECT_NE(broken.find("does not contain a JSON object"), std::string::npos);
  EXPECT_EQ(broken.find("TOPSECRET"), std::string::npos);
  const std::string inline_broken = error_of(with(R"({"private_key": "TOPSECRET")"));
  EXPECT_NE(inline_broken.find("looks like JSON but does not parse"), std::string::npos);
  EXPECT_EQ(inline_broken.find("TOPSECRET"), std::string::npos);
}

TEST_F(ConfigLoad, S3RetrySettingsLoadWithOneWarning) {
  write("config.yaml", R"(
storage:
  s3:
    bucket: b
    max_retries: 3
    max_retry_delay: "5s"
    min_retry_delay: "500ms"
    aws_log_level: "LogOff"
    force_path_style: true
    proxy_config:
      url: "http://proxy.example.com:8080"
      username: "proxy-user"
      password: "proxy-pass"
)");
  const Config c = load_config(env(minimal()), std::nullopt);
  ASSERT_EQ(c.warnings.size(), 1U);
  EXPECT_NE(c.warnings[0].find("storage.s3.max_retries, storage.s3.max_retry_delay, "
                               "storage.s3.min_retry_delay, storage.s3.aws_log_level ignored"),
            std::string::npos);
  const auto& s3 = std::get<recording::S3Storage>(*c.storage);
  EXPECT_TRUE(s3.force_path_style);
  ASSERT_TRUE(s3.proxy);
  EXPECT_EQ(s3.proxy->password, "proxy-pass");
}

TEST_F(ConfigLoad, LoggingSettings) {
  const Config c =
      load_config(env(minimal({{"LOG_LEVEL", "DEBUG"}, {"LOG_FORMAT", "json"}})), std::nullopt);
  EXPECT_EQ(c.log.level, log::Level::kDebug);
  EXPECT_EQ(c.log.format, log::Format::kJson);
  EXPECT_EQ(error_of(minimal({{"LOG_LEVEL", "verbose"}})),
            "log_level (LOG_LEVEL): \"verbose\" is not a level: use debug, info, warn or error");
}

TEST_F(ConfigLoad, WithoutRedisSettingsReplicasDoNotCoordinate) {
  const Config c = load_config(env(minimal()), std::nullopt);
  EXPECT_FALSE(c.redis.enabled());
  for (const EffectiveSetting& s : c.effective) EXPECT_FALSE(s.key.starts_with("redis.")) << s.key;
}

TEST_F(ConfigLoad, RedisFromTheEnvironment) {
  const Config c = load_config(env(minimal({{"REDIS_ADDRESS", "redis-master.livekit:6380"},
                                            {"REDIS_PASSWORD", "pw"},
                                            {"REDIS_DB", "2"},
                                            {"REDIS_TLS", "true"},
                                            {"REDIS_KEY_PREFIX", "rec:"}})),
                               std::nullopt);
  ASSERT_TRUE(c.redis.enabled());
  EXPECT_EQ(c.redis.address->host, "redis-master.livekit");
  EXPECT_EQ(c.redis.address->port, 6380);
  EXPECT_EQ(c.redis.password, "pw");
  EXPECT_EQ(c.redis.db, 2U);
  EXPECT_TRUE(c.redis.tls);
  EXPECT_EQ(c.redis.key_prefix, "rec:");
  EXPECT_EQ(c.redis.claim_ttl, std::chrono::seconds(30));
  EXPECT_EQ(c.redis.lease_ttl, std::chrono::seconds(15));
  EXPECT_EQ(c.redis.timeout, std::chrono::seconds(1));
}

TEST_F(ConfigLoad, RedisAddressesWithoutPortOrInBrackets) {
  Config c = load_config(env(minimal({{"REDIS_ADDRESS", "redis"}})), std::nullopt);
  EXPECT_EQ(c.redis.address->host, "redis");
  EXPECT_EQ(c.redis.address->port, 6379);
  c = load_config(env(minimal({{"REDIS_ADDRESS", "[::1]:7000"}})), std::nullopt);
  EXPECT_EQ(c.redis.address->host, "::1");
  EXPECT_EQ(c.redis.address->port, 7000);
}

TEST_F(ConfigLoad, RedisSentinelsAsAYamlListOrACommaSeparatedVariable) {
  write("config.yaml", R"(
storage: {s3: {bucket: b}}
redis:
  sentinel_master_name: mymaster
  sentinel_addresses:
    - sentinel-0:26379
    - sentinel-1:26379
)");
  Config c = load_config(env(minimal()), std::nullopt);
  ASSERT_EQ(c.redis.sentinels.size(), 2U);
  EXPECT_EQ(c.redis.sentinels[1].host, "sentinel-1");
  EXPECT_EQ(c.redis.sentinels[1].port, 26379);
  EXPECT_EQ(c.redis.sentinel_master_name, "mymaster");
  c = load_config(env(minimal({{"REDIS_SENTINEL_ADDRESSES", "a:1, b:2 ,c:3"}})), std::nullopt);
  ASSERT_EQ(c.redis.sentinels.size(), 3U);
  EXPECT_EQ(c.redis.sentinels[2].host, "c");
}

TEST_F(ConfigLoad, RedisMistakesAreNamed) {
  EXPECT_EQ(error_of(minimal({{"REDIS_PASSWORD", "pw"}})),
            "redis.password (REDIS_PASSWORD) is set, but Redis is off: set redis.address "
            "(REDIS_ADDRESS) or redis.sentinel_addresses to coordinate replicas, or remove it");
  EXPECT_EQ(error_of(minimal({{"REDIS_ADDRESS", "redis://redis:6379"}})),
            "redis.address (REDIS_ADDRESS): \"redis://redis:6379\" is not host:port: write e.g. "
            "redis:6379 (no redis:// prefix; TLS is redis.tls (REDIS_TLS), the password "
            "redis.password)");
  EXPECT_EQ(error_of(minimal({{"REDIS_ADDRESS", "redis://:hunter2@redis:6379"}})).find("hunter2"),
            std::string::npos);
  EXPECT_EQ(error_of(minimal({{"REDIS_ADDRESS", "r:1"}, {"REDIS_SENTINEL_ADDRESSES", "s:2"}})),
            "set either redis.address (REDIS_ADDRESS) or redis.sentinel_addresses "
            "(REDIS_SENTINEL_ADDRESSES), not both");
  EXPECT_NE(error_of(minimal({{"REDIS_SENTINEL_ADDRESSES", "s:2"}}))
                .find("redis.sentinel_master_name (REDIS_SENTINEL_MASTER_NAME) is required"),
            std::string::npos);
  EXPECT_NE(error_of(minimal({{"REDIS_ADDRESS", "r"}, {"REDIS_TIMEOUT", "10s"}}))
                .find("redis.timeout (REDIS_TIMEOUT) must be at most half of redis.lease_ttl"),
            std::string::npos);
  EXPECT_NE(error_of(minimal({{"REDIS_ADDRESS", "r:99999"}})).find("is not host:port"),
            std::string::npos);
  EXPECT_NE(error_of(minimal({{"REDIS_ADDRESS", "r"}, {"REDIS_CA_FILE", "/etc/hostname"}}))
                .find("redis.tls (REDIS_TLS) is off"),
            std::string::npos);
}

TEST_F(ConfigLoad, TheLedgerIsAFileForOneReplicaAndPostgresForSeveral) {
  const Config one = load_config(env(minimal()), std::nullopt);
  EXPECT_TRUE(one.ledger.enabled);
  EXPECT_EQ(one.ledger.path, "ledger.db");
  EXPECT_EQ(one.ledger.setting(), "ledger.path (LEDGER_PATH)");
  // redis: without a database every replica reaches: off, and the warning names the setting.
  const Config unshared =
      load_config(env(minimal({{"REDIS_ADDRESS", "redis:6379"}})), std::nullopt);
  EXPECT_FALSE(unshared.ledger.enabled);
  ASSERT_EQ(unshared.warnings.size(), 1U);
  EXPECT_NE(unshared.warnings[0].find("ledger.postgres_url (LEDGER_POSTGRES_URL)"),
            std::string::npos);
  const std::string url = "postgresql://ledger:hunter2@db:5432/ledger";
  const Config shared = load_config(
      env(minimal({{"REDIS_ADDRESS", "redis:6379"}, {"LEDGER_POSTGRES_URL", url}})), std::nullopt);
  EXPECT_TRUE(shared.ledger.enabled);
  EXPECT_EQ(shared.ledger.postgres_url, url);
  EXPECT_EQ(shared.ledger.setting(), "ledger.postgres_url (LEDGER_POSTGRES_URL)");
  EXPECT_TRUE(shared.warnings.empty());
  const std::string shown = describe(shared);
  EXPECT_NE(shown.find("ledger.postgres_url"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("hunter2"), std::string::npos) << shown;
  // From a Secret's file.
  const std::string file = write("url", url + "\n");
  const Config from_file =
      load_config(env(minimal({{"LEDGER_POSTGRES_URL_FILE", file}})), std::nullopt);
  EXPECT_EQ(from_file.ledger.postgres_url, url);
}

TEST_F(ConfigLoad, TheLedgerIsInOnePlace) {
  const std::string both = error_of(
      minimal({{"LEDGER_PATH", "/data/ledger.db"}, {"LEDGER_POSTGRES_URL", "postgresql://db/l"}}));
  EXPECT_NE(both.find("ledger.path (LEDGER_PATH) and ledger.postgres_url (LEDGER_POSTGRES_URL) "
                      "are both set"),
            std::string::npos)
      << both;
  const std::string file_with_redis =
      error_of(minimal({{"LEDGER_PATH", "/data/ledger.db"}, {"REDIS_ADDRESS", "redis:6379"}}));
  EXPECT_NE(file_with_redis.find("set ledger.postgres_url (LEDGER_POSTGRES_URL) instead"),
            std::string::npos)
      << file_with_redis;
  EXPECT_FALSE(
      load_config(env(minimal({{"LEDGER", "off"}, {"REDIS_ADDRESS", "redis:6379"}})), std::nullopt)
          .ledger.enabled);
}

}  // namespace
}  // namespace ar::config

namespace ar::config {
namespace {

// --check-config once printed "ledger: on" beside its own warning that the ledger would be off.
TEST_F(ConfigLoad, TheLedgerTurnedOffByRedisIsShownOff) {
  const Config c = load_config(env(minimal({{"REDIS_ADDRESS", "redis"}})), std::nullopt);
  EXPECT_FALSE(c.ledger.enabled);
  const auto shown = std::find_if(c.effective.begin(), c.effective.end(),
                                  [](const EffectiveSetting& s) { return s.key == "ledger"; });
  ASSERT_NE(shown, c.effective.end());
  EXPECT_EQ(shown->value, "off");
  EXPECT_EQ(shown->origin, "redis: without ledger.postgres_url");
}

// The Secret's key API_TOKEN is optional: API_TOKEN_FILE naming no file leaves the API off, while
// any other secret's missing file still stops startup.
TEST_F(ConfigLoad, AnApiTokenFileThatDoesNotExistLeavesTheApiOff) {
  const Config c =
      load_config(env(minimal({{"API_TOKEN_FILE", "/nonexistent/API_TOKEN"}})), std::nullopt);
  EXPECT_EQ(c.api_token, "");
  EXPECT_THROW(
      load_config(env(minimal({{"WEBHOOK_API_SECRET_FILE", "/nonexistent/SECRET"}})), std::nullopt),
      ConfigError);
}

// A token a guess or a typo could match is refused at start-up, without quoting it.
TEST_F(ConfigLoad, WeakApiTokensAreRefusedWithoutBeingQuoted) {
  EXPECT_EQ(
      error_of(minimal({{"API_TOKEN", "a"}})),
      "api_token (API_TOKEN) is shorter than 16 bytes: give at least 16 random bytes (for example "
      "openssl rand -base64 24), or unset it to turn the API off");
  EXPECT_NE(error_of(minimal({{"API_TOKEN", "                    "}})).find("only whitespace"),
            std::string::npos);
  EXPECT_NE(error_of(minimal({{"API_TOKEN", "fifteen-bytes.."}})).find("shorter than 16 bytes"),
            std::string::npos);
  EXPECT_EQ(error_of(minimal({{"API_TOKEN", "fifteen-bytes.."}})).find("fifteen"),
            std::string::npos);
  EXPECT_EQ(load_config(env(minimal({{"API_TOKEN", "sixteen-bytes..."}})), std::nullopt).api_token,
            "sixteen-bytes...");
}

TEST_F(ConfigLoad, RetentionTakesDays) {
  EXPECT_EQ(load_config(env(minimal({{"LEDGER_RETENTION", "90d"}})), std::nullopt).ledger.retention,
            std::chrono::hours(90 * 24));
  EXPECT_EQ(load_config(env(minimal({})), std::nullopt).ledger.retention,
            std::chrono::hours(400 * 24));
}

}  // namespace
}  // namespace ar::config
