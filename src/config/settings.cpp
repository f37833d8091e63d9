#include "config/settings.hpp"

#include <algorithm>
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
    {"api_flavour", "API_FLAVOUR", "auto", Kind::kString, kPlain,
     "Which call starts recordings: unified (StartEgress, livekit-server 1.13.2+ with egress "
     "1.14+), legacy (StartRoomCompositeEgress), or auto: StartEgress until LiveKit answers that "
     "it has none (404 bad_route, unimplemented, or the stub of 1.13.0 and 1.13.1), then legacy "
     "for the rest of the process. A recording with audio_mixing always uses the legacy call."},
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
     "Open client connections at most; at the limit the one idle longest, else the one whose "
     "client moved longest ago, is closed to make room; a newcomer is refused only when the "
     "service owes every connection an answer."},
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
    {"record", "RECORD", "room", Kind::kStringList, kPlain,
     "What is recorded: room (the composite; true means the same), participants (one recording "
     "per participant session), tracks (one per published track), a list of these (YAML list or "
     "comma-separated), or false (rooms no rule records are skipped)."},
    {"layout", "LAYOUT", "grid", Kind::kString, kPlain,
     "Room composite layout: grid, speaker, single-speaker (each with -light/-dark), or custom."},
    {"file_type", "FILE_TYPE", "MP4", Kind::kString, kPlain,
     "Output file type: MP4, OGG or MP3 (case-insensitive)."},
    {"file_path", "FILE_PATH", "recordings/{room_name}-{time}", Kind::kString, kPlain,
     "Object path template; egress expands {room_name}, {room_id}, {time} and {utc}."},
    {"file", "", "true", Kind::kBool, kPlain,
     "Write the file output (file_type, file_path); false where only segments, a stream or "
     "images are wanted."},
    {"file_storage", "", "", Kind::kString, kPlain,
     "Name of a storage under storages: for the file output; empty: the default storage."},
    {"audio_only", "AUDIO_ONLY", "false", Kind::kBool, kPlain,
     "Record audio only (no layout, no images)."},
    {"video_only", "VIDEO_ONLY", "false", Kind::kBool, kPlain, "Record video only."},
    {"audio_mixing", "AUDIO_MIXING", "", Kind::kString, kPlain,
     "How audio is mixed: DEFAULT_MIXING, DUAL_CHANNEL_AGENT or DUAL_CHANNEL_ALTERNATE; empty: "
     "egress's default."},
    {"custom_base_url", "CUSTOM_BASE_URL", "", Kind::kString, kPlain,
     "URL of your own recording template page, for layouts of your own."},
    {"preset", "ENCODING_PRESET", "", Kind::kString, kPlain,
     "Encoding preset by LiveKit's name: H264_720P_30, H264_720P_60, H264_1080P_30, "
     "H264_1080P_60, PORTRAIT_H264_720P_30, ..., PASSTHROUGH; empty: egress's default. Not with "
     "advanced."},
    {"advanced.width", "", "", Kind::kInteger, kPlain, "Advanced encoding: video width in pixels."},
    {"advanced.height", "", "", Kind::kInteger, kPlain, "Video height in pixels."},
    {"advanced.depth", "", "", Kind::kInteger, kPlain, "Colour depth in bits."},
    {"advanced.framerate", "", "", Kind::kInteger, kPlain, "Frames per second."},
    {"advanced.audio_codec", "", "", Kind::kString, kPlain, "OPUS, AAC or AC_MP3."},
    {"advanced.audio_bitrate", "", "", Kind::kInteger, kPlain, "Audio bitrate in kbps."},
    {"advanced.audio_quality", "", "", Kind::kInteger, kPlain, "Audio quality (codec-specific)."},
    {"advanced.audio_frequency", "", "", Kind::kInteger, kPlain, "Audio sample rate in Hz."},
    {"advanced.video_codec", "", "", Kind::kString, kPlain,
     "H264_BASELINE, H264_MAIN, H264_HIGH or VP8."},
    {"advanced.video_bitrate", "", "", Kind::kInteger, kPlain, "Video bitrate in kbps."},
    {"advanced.video_quality", "", "", Kind::kInteger, kPlain, "Video quality (codec-specific)."},
    {"advanced.key_frame_interval", "", "", Kind::kString, kPlain,
     "Seconds between key frames, e.g. 2 or 0.5."},
    {"segments.filename_prefix", "", "", Kind::kString, kPlain,
     "HLS output: path prefix of the segment files (egress expands {room_name}, ...). Any "
     "segments.* key turns the HLS output on."},
    {"segments.playlist_name", "", "", Kind::kString, kPlain, "HLS playlist file name."},
    {"segments.live_playlist_name", "", "", Kind::kString, kPlain,
     "Live playlist (the latest segments only), for watching while the room runs."},
    {"segments.segment_duration", "", "", Kind::kInteger, kPlain,
     "Seconds per segment (egress's default: 4)."},
    {"segments.storage", "", "", Kind::kString, kPlain,
     "Storage under storages: for the segments; empty: the default storage."},
    {"stream.urls", "", "", Kind::kStringList, kSecret,
     "RTMP(S) or SRT URLs to stream the room to (a list); stream keys are redacted when shown. "
     "Put keys in ${VARIABLES}."},
    {"images.capture_interval", "", "", Kind::kInteger, kPlain,
     "Thumbnails: seconds between two images. Any images.* key turns the image output on."},
    {"images.width", "", "", Kind::kInteger, kPlain, "Image width in pixels."},
    {"images.height", "", "", Kind::kInteger, kPlain, "Image height in pixels."},
    {"images.filename_prefix", "", "", Kind::kString, kPlain, "Path prefix of the image files."},
    {"images.storage", "", "", Kind::kString, kPlain,
     "Storage under storages: for the images; empty: the default storage."},
    {"participants.identity", "PARTICIPANT_IDENTITY", "", Kind::kString, kPlain,
     "record: participants records participants whose identity fits this glob (*, ?, [a-z]); "
     "empty: every identity."},
    {"participants.kinds", "PARTICIPANT_KINDS", "standard, ingress, sip, agent", Kind::kStringList,
     kPlain,
     "The participant kinds recorded (standard, ingress, sip, agent). The egress's own "
     "participant is never recorded."},
    {"participants.attributes", "", "", Kind::kStringMap, kPlain,
     "Attributes a participant must hold, a map of names to values, to be recorded."},
    {"participants.file_path", "PARTICIPANT_FILE_PATH",
     "recordings/{room_name}/{publisher_identity}-{time}", Kind::kString, kPlain,
     "Object path template of a participant's file (file_type and file_storage as the room's); "
     "egress expands {publisher_identity} besides the room's tokens."},
    {"tracks.types", "TRACK_TYPES", "audio, video", Kind::kStringList, kPlain,
     "The published tracks record: tracks records: audio, video, or both."},
    {"tracks.file_path", "TRACK_FILE_PATH",
     "recordings/{room_name}/{publisher_identity}-{track_id}-{time}", Kind::kString, kPlain,
     "Object path template of a track's file, written as published (no re-encoding: OGG for "
     "Opus, WebM for VP8, MP4 for H.264), to file_storage; egress expands {track_id}, "
     "{publisher_identity} and the room's tokens."},
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
    {"restart_stopped_recordings", "RESTART_STOPPED_RECORDINGS", "false", Kind::kBool, kPlain,
     "Record a room session again after its recording was stopped on purpose (StopEgress); by "
     "default such a stop holds for the rest of the room session."},
    {"heal_duplicates", "HEAL_DUPLICATES", "true", Kind::kBool, kPlain,
     "When a recording this service started runs beside an older recording of the same room "
     "session, participant or track (LiveKit's own auto-egress, another deployment, an "
     "application), stop ours with StopEgress and keep the oldest. A recording this service did "
     "not start is never stopped."},
    {"max_pending_starts", "MAX_PENDING_STARTS", "10000", Kind::kInteger, kPlain,
     "Rooms waiting for a recording to start; beyond it room_started is answered 503. "
     "Participants and tracks waiting (record: participants, tracks) have as many of their own."},
    {"egress_concurrency", "EGRESS_CONCURRENCY", "256", Kind::kInteger, kPlain,
     "Calls to LiveKit's API in flight at once."},
    {"dedupe_ttl", "DEDUPE_TTL", "24h", Kind::kDuration, kPlain,
     "How long webhook event ids and room sids are remembered to drop duplicates."},
    {"dedupe_capacity", "DEDUPE_CAPACITY", "100000", Kind::kInteger, kPlain,
     "Most event ids and room sids remembered; the oldest are forgotten first."},
    // Ledger: the durable record of every room session (docs/ledger.md)
    {"ledger", "LEDGER", "on", Kind::kString, kPlain,
     "off turns the ledger off: nothing is kept of rooms beyond the logs and metrics."},
    {"ledger.path", "LEDGER_PATH", "ledger.db", Kind::kString, kPlain,
     "SQLite file of the ledger, relative to the working directory. Set it to a file on a "
     "volume; when the default cannot be opened the ledger is off, with a warning."},
    {"ledger.postgres_url", "LEDGER_POSTGRES_URL", "", Kind::kString, kSecret,
     "PostgreSQL URL (postgresql://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require) of the "
     "ledger every replica writes; needed with redis:, used instead of ledger.path when set."},
    {"ledger.spill_path", "LEDGER_SPILL_PATH", "", Kind::kString, kPlain,
     "File where entries the ledger could not write before a stop wait for the next start "
     "(its database was unreachable). Unset: ledger.path with .spill appended, or ledger.spill "
     "in the working directory with ledger.postgres_url."},
    {"ledger.retention", "LEDGER_RETENTION", "400d", Kind::kDuration, kPlain,
     "How long room sessions are kept (400d; any duration, e.g. 90d or 2160h); older ones are "
     "deleted hourly."},
    {"ledger.readers", "LEDGER_READERS", "4", Kind::kInteger, kPlain,
     "API reads of the ledger that run at once, each on its own connection, off the threads "
     "that answer webhooks; 64 more wait, and past that the API answers 503 with Retry-After."},
    {"ledger.query_timeout", "LEDGER_QUERY_TIMEOUT", "5s", Kind::kDuration, kPlain,
     "How long one API query of the ledger may run (waiting for a lock included) before it is "
     "stopped: the API answers 503 and logs a warning."},
    {"api_token", "API_TOKEN", "", Kind::kString, kSecret,
     "Token for the ledger's HTTP API (/v1/rooms), 16 bytes at least: requests send "
     "Authorization: Bearer <token>. "
     "Unset: the API answers 404. API_TOKEN_FILE may name a file that does not exist (an "
     "optional key of the Secret): the API is then off.",
     true},
    // Notifications: signed webhooks to the application (docs/notifications.md)
    {"notify_url", "NOTIFY_URL", "", Kind::kString, kPlain,
     "An endpoint (http:// or https://) that gets every event, signed by Standard Webhooks: "
     "room_session.finished once per session when its status is final, and recording.ended per "
     "recording. More endpoints, or fewer events, go under notifications: in YAML."},
    {"notify_secret", "NOTIFY_SECRET", "", Kind::kString, kSecret,
     "The endpoint's signing secret, whsec_ and the base64 of 24 to 64 random bytes; during a "
     "rotation, the new and the old one separated by a space (each signs). Required with "
     "notify_url; endpoints of notifications: without a secret of their own use it too. "
     "NOTIFY_SECRET_FILE may name a file that does not exist (an optional key of the Secret).",
     true},
    {"notify_timeout", "NOTIFY_TIMEOUT", "10s", Kind::kDuration, kPlain,
     "How long one delivery may take, connecting included: notify_url's, and each endpoint's of "
     "notifications: that sets no timeout."},
    {"notify_max_backoff", "NOTIFY_MAX_BACKOFF", "5m", Kind::kDuration, kPlain,
     "A failed delivery is tried again after about 1s, then twice as long each time (with "
     "jitter), waiting at most this long between attempts; a Retry-After the receiver sends is "
     "honoured."},
    {"notify_give_up_after", "NOTIFY_GIVE_UP_AFTER", "24h", Kind::kDuration, kPlain,
     "How long an event is tried before it is marked failed (counted in /metrics, shown in the "
     "ledger API; auto-recorder notify resend sends it again)."},
    {"notification.url", "", "", Kind::kString, kPlain,
     "notifications[].url: the endpoint's URL (http:// or https://). Required."},
    {"notification.secret", "", "", Kind::kString, kSecret,
     "notifications[].secret (or secret_file): its signing secret, as notify_secret (the "
     "default)."},
    {"notification.name", "", "", Kind::kString, kPlain,
     "notifications[].name: its name in /metrics, logs and the ledger (default: the URL's "
     "host:port; "
     "never its path, which may hold a token)."},
    {"notification.events", "", "", Kind::kStringList, kPlain,
     "notifications[].events: room_session.finished, recording.ended, or both (the default)."},
    {"notification.statuses", "", "", Kind::kStringList, kPlain,
     "notifications[].statuses: room_session.finished only of sessions with these statuses "
     "(e.g. unrecorded, partial: a pager's channel); default: every status."},
    {"notification.metadata", "", "false", Kind::kBool, kPlain,
     "notifications[].metadata: room_session.finished carries the room's metadata."},
    {"notification.timeout", "", "(notify_timeout)", Kind::kDuration, kPlain,
     "notifications[].timeout: how long one delivery may take, connecting included."},
    {"notification.ca_file", "", "", Kind::kString, kPlain,
     "notifications[].ca_file: PEM file of CAs to trust for its https:// URL (default: the "
     "system's CAs)."},
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
    {"storage", "STORAGE", "", Kind::kString, kPlain,
     "`egress`: requests carry no upload, and egress uploads with the storage of its own "
     "configuration (its `storage:` section), so the recorder holds no storage credentials. "
     "Otherwise configure one provider below."},
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
     "Service account key: a path to the JSON file, or the JSON itself. Omit it to let egress "
     "use its Application Default Credentials (Workload Identity on GKE)."},
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

bool is_recording_setting(std::string_view key) {
  // The block from record to tracks.file_path in the table above; "x." stands for a section.
  static constexpr std::array<std::string_view, 17> kRecording{
      "record",     "layout",     "file_type",    "file_path",       "file",   "file_storage",
      "audio_only", "video_only", "audio_mixing", "custom_base_url", "preset", "advanced.",
      "segments.",  "stream.",    "images.",      "participants.",   "tracks."};
  return std::any_of(kRecording.begin(), kRecording.end(), [&](std::string_view name) {
    return name.ends_with('.') ? key.starts_with(name) : key == name;
  });
}

const Setting* find_setting(std::string_view key) {
  for (const Setting& setting : kSettings) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

}  // namespace ar::config
