#include "config/settings.hpp"

#include <array>

namespace ar::config {
namespace {

constexpr bool kSecret = true;
constexpr bool kPlain = false;

// The order is the order of the configuration reference.
constexpr std::array kSettings = std::to_array<Setting>({
    // LiveKit
    {"livekit_host", "LIVEKIT_HOST", "http://localhost:7880", Kind::kString, kPlain,
     "LiveKit server URL. http(s):// or the ws(s):// URL clients use (mapped to http(s)://)."},
    {"livekit_api_key", "LIVEKIT_API_KEY", "", Kind::kString, kPlain,
     "API key used to call LiveKit's Egress API. Required."},
    {"livekit_api_secret", "LIVEKIT_API_SECRET", "", Kind::kString, kSecret,
     "Secret of livekit_api_key. Required."},
    {"webhook_api_key", "WEBHOOK_API_KEY", "(livekit_api_key)", Kind::kString, kPlain,
     "The api_key in LiveKit's webhook section; webhooks must be signed with it."},
    {"webhook_api_secret", "WEBHOOK_API_SECRET", "(livekit_api_secret)", Kind::kString, kSecret,
     "Secret of webhook_api_key. Required when webhook_api_key differs from livekit_api_key."},
    {"livekit_ca_file", "LIVEKIT_CA_FILE", "", Kind::kString, kPlain,
     "PEM file of CAs to trust for an https:// LiveKit (default: the system's CAs)."},
    {"livekit_insecure_skip_verify", "LIVEKIT_INSECURE_SKIP_VERIFY", "false", Kind::kBool, kPlain,
     "Do not verify LiveKit's TLS certificate. For tests only; warns at every start."},
    {"api_connect_timeout", "API_CONNECT_TIMEOUT", "5s", Kind::kDuration, kPlain,
     "How long to wait for a TCP/TLS connection to LiveKit's API."},
    {"api_request_timeout", "API_REQUEST_TIMEOUT", "30s", Kind::kDuration, kPlain,
     "How long one call to LiveKit's API may take in total."},
    // Server
    {"listen_port", "PORT", "8080", Kind::kInteger, kPlain,
     "TCP port for /webhook-receiver, /livez and /readyz."},
    {"max_body_bytes", "MAX_BODY_BYTES", "1048576", Kind::kInteger, kPlain,
     "Largest webhook body accepted; larger bodies get 413."},
    {"max_header_bytes", "MAX_HEADER_BYTES", "16384", Kind::kInteger, kPlain,
     "Largest request header block accepted; larger gets 431."},
    {"server_threads", "SERVER_THREADS", "0", Kind::kInteger, kPlain,
     "Threads that serve HTTP (verify and answer webhooks); 0: one per CPU core, at most 4."},
    {"max_connections", "MAX_CONNECTIONS", "1024", Kind::kInteger, kPlain,
     "Open client connections at most; more are closed at once."},
    {"idle_timeout", "IDLE_TIMEOUT", "60s", Kind::kDuration, kPlain,
     "How long a kept-alive connection may wait for its next request."},
    {"header_timeout", "HEADER_TIMEOUT", "10s", Kind::kDuration, kPlain,
     "From a request's first byte (or a TLS handshake's start) to the end of its headers."},
    {"body_timeout", "BODY_TIMEOUT", "30s", Kind::kDuration, kPlain,
     "From the end of the headers to the end of the body; also bounds writing the answer."},
    {"tls_cert_file", "TLS_CERT_FILE", "", Kind::kString, kPlain,
     "Serve HTTPS with this PEM certificate chain (with tls_key_file); reloaded on SIGHUP."},
    {"tls_key_file", "TLS_KEY_FILE", "", Kind::kString, kPlain,
     "PEM private key of tls_cert_file."},
    {"health_port", "HEALTH_PORT", "", Kind::kInteger, kPlain,
     "Serve /livez, /readyz and /metrics on this port as well (e.g. to keep them apart from "
     "webhooks in a NetworkPolicy)."},
    {"shutdown_delay", "SHUTDOWN_DELAY", "0s", Kind::kDuration, kPlain,
     "On SIGTERM, keep serving this long with /readyz at 503, so Kubernetes stops sending "
     "traffic before the listener closes."},
    {"shutdown_timeout", "SHUTDOWN_TIMEOUT", "10s", Kind::kDuration, kPlain,
     "On SIGTERM/SIGINT, how long in-flight egress calls may take to finish."},
    // Recording
    {"layout", "LAYOUT", "grid", Kind::kString, kPlain,
     "Room composite layout: grid, speaker, single-speaker (each with -light/-dark), or custom."},
    {"file_type", "FILE_TYPE", "MP4", Kind::kString, kPlain,
     "Output file type: MP4, OGG or MP3 (case-insensitive)."},
    {"file_path", "FILE_PATH", "recordings/{room_name}-{time}", Kind::kString, kPlain,
     "Object path template; egress expands {room_name}, {room_id}, {time} and {utc}."},
    // Delivery guarantees
    {"reconcile_interval", "RECONCILE_INTERVAL", "30s", Kind::kDuration, kPlain,
     "How often to compare LiveKit's rooms with its active recordings and record what is "
     "missing; 0 turns the reconciler off."},
    {"retry_initial_delay", "RETRY_INITIAL_DELAY", "1s", Kind::kDuration, kPlain,
     "Wait before the first retry of a failed start; later waits double, with jitter."},
    {"retry_max_delay", "RETRY_MAX_DELAY", "30s", Kind::kDuration, kPlain,
     "Longest wait between two retries."},
    {"retry_give_up_after", "RETRY_GIVE_UP_AFTER", "15m", Kind::kDuration, kPlain,
     "Stop retrying a start after this long (the reconciler tries again on its next pass)."},
    {"max_restarts_per_hour", "MAX_RESTARTS_PER_HOUR", "3", Kind::kInteger, kPlain,
     "Recordings that fail mid-room are restarted at most this often per room per hour."},
    {"max_pending_starts", "MAX_PENDING_STARTS", "10000", Kind::kInteger, kPlain,
     "Rooms waiting for a recording to start; beyond it room_started is answered 503."},
    {"egress_concurrency", "EGRESS_CONCURRENCY", "256", Kind::kInteger, kPlain,
     "Calls to LiveKit's API in flight at once."},
    {"dedupe_ttl", "DEDUPE_TTL", "24h", Kind::kDuration, kPlain,
     "How long webhook event ids and room sids are remembered to drop duplicates."},
    {"dedupe_capacity", "DEDUPE_CAPACITY", "100000", Kind::kInteger, kPlain,
     "Most event ids and room sids remembered; the oldest are forgotten first."},
    // Logging
    {"log_level", "LOG_LEVEL", "info", Kind::kString, kPlain, "debug, info, warn or error."},
    {"log_format", "LOG_FORMAT", "text", Kind::kString, kPlain,
     "text (for people) or json (one object per line)."},
    // Redis: coordination of several replicas (unset: one replica, everything in memory)
    {"redis.address", "REDIS_ADDRESS", "", Kind::kString, kPlain,
     "host:port of Redis. Set it (or redis.sentinel_addresses) to run several replicas: they "
     "claim rooms and elect one reconciler in Redis. Unset: everything stays in memory."},
    {"redis.username", "REDIS_USERNAME", "", Kind::kString, kPlain,
     "Redis ACL user name (Redis 6+); empty: the default user."},
    {"redis.password", "REDIS_PASSWORD", "", Kind::kString, kSecret, "Redis password."},
    {"redis.db", "REDIS_DB", "0", Kind::kInteger, kPlain, "Redis database number."},
    {"redis.tls", "REDIS_TLS", "false", Kind::kBool, kPlain,
     "Connect to Redis (and Sentinels) over TLS, verifying the server's certificate."},
    {"redis.ca_file", "REDIS_CA_FILE", "", Kind::kString, kPlain,
     "PEM file of CAs to trust for Redis TLS (default: the system's CAs)."},
    {"redis.key_prefix", "REDIS_KEY_PREFIX", "auto-recorder:", Kind::kString, kPlain,
     "Prefix of every key written, so LiveKit's own Redis can be shared safely."},
    {"redis.sentinel_addresses", "REDIS_SENTINEL_ADDRESSES", "", Kind::kStringList, kPlain,
     "Redis Sentinel host:port list (YAML list or comma-separated), instead of redis.address."},
    {"redis.sentinel_master_name", "REDIS_SENTINEL_MASTER_NAME", "", Kind::kString, kPlain,
     "Name of the master the Sentinels watch. Required with sentinel_addresses."},
    {"redis.sentinel_username", "REDIS_SENTINEL_USERNAME", "", Kind::kString, kPlain,
     "User name for the Sentinels, when they require one."},
    {"redis.sentinel_password", "REDIS_SENTINEL_PASSWORD", "", Kind::kString, kSecret,
     "Password for the Sentinels, when they require one."},
    {"redis.claim_ttl", "REDIS_CLAIM_TTL", "30s", Kind::kDuration, kPlain,
     "How long a replica's claim on a room outlives the replica: after a crash, the room may be "
     "started by another replica this long (plus api_request_timeout) after the last renewal."},
    {"redis.lease_ttl", "REDIS_LEASE_TTL", "15s", Kind::kDuration, kPlain,
     "Reconciler lease: when its holder dies, another replica runs the reconciler within this "
     "long."},
    {"redis.timeout", "REDIS_TIMEOUT", "1s", Kind::kDuration, kPlain,
     "Connecting to Redis, and each Redis command, may take this long before Redis counts as "
     "unreachable."},
    // Amazon S3 and S3-compatible storage
    {"storage.s3.bucket", "S3_BUCKET", "", Kind::kString, kPlain, "S3 bucket. Required for S3."},
    {"storage.s3.access_key", "S3_ACCESS_KEY", "", Kind::kString, kPlain,
     "Access key; omit together with secret to use the egress pods' IAM role."},
    {"storage.s3.secret", "S3_SECRET", "", Kind::kString, kSecret, "Secret key for access_key."},
    {"storage.s3.session_token", "S3_SESSION_TOKEN", "", Kind::kString, kSecret,
     "Session token for temporary credentials."},
    {"storage.s3.region", "S3_REGION", "", Kind::kString, kPlain, "Region, e.g. us-east-1."},
    {"storage.s3.endpoint", "S3_ENDPOINT", "", Kind::kString, kPlain,
     "Custom endpoint for S3-compatible services (MinIO, Ceph, ...)."},
    {"storage.s3.force_path_style", "S3_FORCE_PATH_STYLE", "false", Kind::kBool, kPlain,
     "Use path-style URLs (needed by most MinIO setups)."},
    {"storage.s3.metadata", "", "", Kind::kStringMap, kPlain,
     "Object metadata, a map of string keys to string values."},
    {"storage.s3.tagging", "S3_TAGGING", "", Kind::kString, kPlain,
     "Object tags as a URL query string, e.g. team=a&kind=class."},
    {"storage.s3.content_disposition", "S3_CONTENT_DISPOSITION", "", Kind::kString, kPlain,
     "Content-Disposition header stored with the object."},
    {"storage.s3.assume_role_arn", "S3_ASSUME_ROLE_ARN", "", Kind::kString, kPlain,
     "Role for egress to assume before uploading."},
    {"storage.s3.assume_role_external_id", "S3_ASSUME_ROLE_EXTERNAL_ID", "", Kind::kString, kPlain,
     "External id for assume_role_arn."},
    {"storage.s3.proxy_config.url", "", "", Kind::kString, kPlain,
     "HTTP proxy egress uses for uploads."},
    {"storage.s3.proxy_config.username", "", "", Kind::kString, kPlain, "Proxy user name."},
    {"storage.s3.proxy_config.password", "", "", Kind::kString, kSecret, "Proxy password."},
    {"storage.s3.max_retries", "", "", Kind::kString, kPlain,
     "Accepted for old configs and ignored with a warning: set it in the egress service's config."},
    {"storage.s3.max_retry_delay", "", "", Kind::kString, kPlain,
     "Accepted for old configs and ignored with a warning: set it in the egress service's config."},
    {"storage.s3.min_retry_delay", "", "", Kind::kString, kPlain,
     "Accepted for old configs and ignored with a warning: set it in the egress service's config."},
    {"storage.s3.aws_log_level", "", "", Kind::kString, kPlain,
     "Accepted for old configs and ignored with a warning: set it in the egress service's config."},
    // Microsoft Azure Blob Storage
    {"storage.azure.account_name", "AZURE_STORAGE_ACCOUNT", "", Kind::kString, kPlain,
     "Storage account name. Required for Azure."},
    {"storage.azure.account_key", "AZURE_STORAGE_KEY", "", Kind::kString, kSecret,
     "Storage account key. Required for Azure."},
    {"storage.azure.container_name", "AZURE_CONTAINER_NAME", "", Kind::kString, kPlain,
     "Blob container. Required for Azure."},
    // Google Cloud Storage
    {"storage.gcp.credentials_json", "GOOGLE_APPLICATION_CREDENTIALS", "", Kind::kString, kSecret,
     "Service account key: a path to the JSON file, or the JSON itself. Required for GCP."},
    {"storage.gcp.bucket", "GCP_BUCKET", "", Kind::kString, kPlain, "Bucket. Required for GCP."},
    {"storage.gcp.proxy_config.url", "", "", Kind::kString, kPlain,
     "HTTP proxy egress uses for uploads."},
    {"storage.gcp.proxy_config.username", "", "", Kind::kString, kPlain, "Proxy user name."},
    {"storage.gcp.proxy_config.password", "", "", Kind::kString, kSecret, "Proxy password."},
    // Alibaba Cloud OSS
    {"storage.alioss.access_key", "ALIOSS_ACCESS_KEY", "", Kind::kString, kPlain,
     "Access key. Required for AliOSS."},
    {"storage.alioss.secret", "ALIOSS_SECRET", "", Kind::kString, kSecret,
     "Secret key. Required for AliOSS."},
    {"storage.alioss.region", "ALIOSS_REGION", "", Kind::kString, kPlain,
     "Region, e.g. oss-cn-hangzhou. Required for AliOSS."},
    {"storage.alioss.bucket", "ALIOSS_BUCKET", "", Kind::kString, kPlain,
     "Bucket. Required for AliOSS."},
    {"storage.alioss.endpoint", "ALIOSS_ENDPOINT", "", Kind::kString, kPlain, "Custom endpoint."},
});

}  // namespace

std::span<const Setting> all_settings() {
  return kSettings;
}

const Setting* find_setting(std::string_view key) {
  for (const Setting& setting : kSettings) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

}  // namespace ar::config
