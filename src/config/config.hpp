#pragma once
// The configuration, parsed once into plain structs that the rest of the service reads.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "recorder/room_match.hpp"
#include "util/proxy.hpp"

namespace ar::config {

struct Proxy {
  std::string url;
  std::string username;
  std::string password;
};

struct S3Storage {
  std::string access_key;
  std::string secret;
  std::string session_token;
  std::string region;
  std::string endpoint;
  std::string bucket;
  bool force_path_style = false;
  std::map<std::string, std::string> metadata;
  std::string tagging;
  std::string content_disposition;
  std::string assume_role_arn;
  std::string assume_role_external_id;
  std::optional<Proxy> proxy;
};

struct AzureStorage {
  std::string account_name;
  std::string account_key;
  std::string container_name;
};

struct GcpStorage {
  std::string credentials_json;  // always the JSON content, never a path
  std::string bucket;
  std::optional<Proxy> proxy;
};

struct AliOssStorage {
  std::string access_key;
  std::string secret;
  std::string region;
  std::string endpoint;
  std::string bucket;
};

// `storage: egress`: requests carry no upload, so egress uploads with the storage of its own
// configuration and the storage credentials never leave it.
struct EgressStorage {};

using Storage = std::variant<S3Storage, AzureStorage, GcpStorage, AliOssStorage, EgressStorage>;
using NamedStorages = std::map<std::string, Storage, std::less<>>;  // `storages:` by name

// LiveKit's EncodedFileType names for file outputs (there is no WEBM for room composites).
enum class FileType { kMp4, kOgg, kMp3 };

// Each output names its storage: empty is the default storage (`storage:`), anything else a key
// of `storages:` (checked when loading).
struct FileOutput {
  FileType type = FileType::kMp4;
  std::string path;
  std::string storage;
};

struct SegmentsOutput {  // HLS
  std::string filename_prefix;
  std::string playlist_name;
  std::string live_playlist_name;
  std::uint32_t segment_duration = 0;  // seconds; 0: egress's default
  std::string storage;
};

struct StreamOutput {
  std::string protocol;  // "RTMP" or "SRT", from the URLs' scheme
  std::vector<std::string> urls;
};

struct ImagesOutput {                  // thumbnails
  std::uint32_t capture_interval = 0;  // seconds
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::string filename_prefix;
  std::string storage;
};

// LiveKit's EncodingOptions: 0 and empty leave egress's default.
struct Encoding {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t depth = 0;
  std::uint32_t framerate = 0;
  std::string audio_codec;
  std::uint32_t audio_bitrate = 0;
  std::uint32_t audio_quality = 0;
  std::uint32_t audio_frequency = 0;
  std::string video_codec;
  std::uint32_t video_bitrate = 0;
  std::uint32_t video_quality = 0;
  double key_frame_interval = 0;
};

// How one room is recorded: the top level's settings, or a rule's merged over them.
struct Recording {
  std::string layout;  // empty when audio-only
  bool audio_only = false;
  bool video_only = false;
  std::string audio_mixing;  // AudioMixing name; empty: egress's default
  std::string custom_base_url;
  std::string preset;                // EncodingOptionsPreset name; empty: egress's default
  std::optional<Encoding> advanced;  // never together with preset
  std::optional<FileOutput> file;
  std::optional<SegmentsOutput> segments;
  std::optional<StreamOutput> stream;
  std::optional<ImagesOutput> images;
};

// One entry of `rules:`. The first rule whose match fits a room decides how it is recorded, or
// that it is not; rooms no rule fits are recorded with the top-level settings.
struct Rule {
  std::string label;  // "rules[2]", or "rules[2] (classes)" when the rule has a name
  recorder::RoomMatch match;
  bool record = true;
  Recording recording;  // the top level's, with this rule's settings on top
};

struct LiveKitApi {
  std::string url;  // http:// or https://, without a trailing slash
  std::string api_key;
  std::string api_secret;
  std::string ca_file;  // empty: the system's CA bundle
  bool insecure_skip_verify = false;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  std::optional<util::HttpProxy> proxy;  // from HTTPS_PROXY/HTTP_PROXY, unless NO_PROXY
};

struct WebhookAuth {
  std::string api_key;
  std::string api_secret;
  std::chrono::seconds leeway{60};
};

struct Server {
  std::uint16_t port = 8080;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_connections = 1024;
  unsigned threads = 1;  // resolved: never 0
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::string tls_cert_file;  // both empty: plain HTTP
  std::string tls_key_file;
  std::uint16_t health_port = 0;  // 0: probes and metrics on `port`
  std::chrono::milliseconds shutdown_delay{0};
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::chrono::milliseconds shutdown_timeout{10000};
};

// How hard the service works to record every room exactly once.
struct Delivery {
  std::chrono::milliseconds reconcile_interval{30000};  // 0: off
  std::chrono::milliseconds retry_initial_delay{1000};
  std::chrono::milliseconds retry_max_delay{30000};
  std::chrono::milliseconds retry_give_up_after{15 * 60 * 1000};
  std::uint32_t max_restarts_per_hour = 3;
  bool restart_stopped_recordings = false;  // false: a StopEgress holds for the room session
  std::size_t max_pending_starts = 10000;
  std::size_t egress_concurrency = 256;
  std::chrono::milliseconds dedupe_ttl{24 * 3600 * 1000};
  std::size_t dedupe_capacity = 100000;
};

struct HostPort {
  std::string host;
  std::uint16_t port = 6379;
};

// Coordination of several replicas through Redis. Neither an address nor Sentinels: one replica,
// everything in memory.
struct Redis {
  std::optional<HostPort> address;
  std::vector<HostPort> sentinels;
  std::string sentinel_master_name;
  std::string sentinel_username;
  std::string sentinel_password;
  std::string username;
  std::string password;
  std::uint32_t db = 0;
  bool tls = false;
  std::string ca_file;  // empty: the system's CA bundle
  std::string key_prefix = "auto-recorder:";
  std::chrono::milliseconds claim_ttl{30000};
  std::chrono::milliseconds lease_ttl{15000};
  std::chrono::milliseconds timeout{1000};

  bool enabled() const { return address.has_value() || !sentinels.empty(); }
};

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

struct Logging {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
};

// A setting as loaded: its text, where it came from ("default", "config.yaml", "$PORT"), and
// whether it must be redacted when shown.
struct EffectiveSetting {
  std::string key;
  std::string value;
  std::string origin;
  bool secret = false;
};

struct Config {
  LiveKitApi livekit;
  WebhookAuth webhook;
  Server server;
  Recording recording;             // the top level's: rooms no rule fits
  std::vector<Rule> rules;         // in the file's order
  std::optional<Storage> storage;  // the default; may be left out when storages: names others
  NamedStorages storages;          // extra storages outputs name
  Delivery delivery;
  Redis redis;
  Logging log;
  std::string source;                 // "config.yaml + environment", for the startup line
  std::vector<std::string> warnings;  // logged once at startup
  std::vector<EffectiveSetting> effective;
};

std::string_view to_string(FileType type);
std::string_view storage_name(const Storage& storage);

}  // namespace ar::config
