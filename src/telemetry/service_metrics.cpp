#include "telemetry/service_metrics.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <span>
#include <string>

#include "telemetry/metrics.hpp"
#include "util/text.hpp"
#include "util/wall_clock.hpp"

namespace ar::metrics {
namespace {

// The label values each metric may carry; anything else becomes "other".
constexpr std::array<std::string_view, 14> kEvents{"room_started",
                                                   "room_finished",
                                                   "participant_joined",
                                                   "participant_left",
                                                   "participant_connection_aborted",
                                                   "track_published",
                                                   "track_unpublished",
                                                   "egress_started",
                                                   "egress_updated",
                                                   "egress_ended",
                                                   "ingress_started",
                                                   "ingress_ended",
                                                   "agent_job_started",
                                                   "agent_job_ended"};
constexpr std::array<std::string_view, 5> kMethods{"StartEgress", "StartRoomCompositeEgress",
                                                   "ListEgress", "ListRooms", "StopEgress"};
// The outcomes of a LiveKit API call ("ok", Twirp's codes, ...), as initialise_series was given
// them; set before any thread counts.
std::span<const std::string_view> g_outcomes;

// Why a request or connection was refused (docs/operations.md explains each).
constexpr std::array<std::string_view, 23> kRejectReasons{
    "bad_signature",         "wrong_issuer",        "expired",
    "not_yet_valid",         "missing_expiry",      "bad_time_claim",
    "unsupported_algorithm", "unsupported_header",  "malformed_token",
    "missing_authorization", "body_hash_mismatch",  "not_an_event",
    "body_too_large",        "headers_too_large",   "malformed_http",
    "bad_transfer_encoding", "bad_expect",          "method_not_allowed",
    "client_left",           "read_timeout",        "too_many_connections",
    "accept_failed",         "tls_handshake_failed"};
// The labels that name a value of the vocabulary come from its table (model/): a new value is a
// new label, never "other". Each value of an enum, in order:
template <typename Enum, std::size_t N>
constexpr auto values_of(const model::NameTable<Enum, N>& /*table*/) {
  std::array<Enum, N> values{};
  for (std::size_t i = 0; i < N; ++i) values.at(i) = static_cast<Enum>(i);
  return values;
}
constexpr std::array<std::string_view, 2> kPhases{"during_room", "after_room"};
// What a reconcile pass corrected in the ledger because its webhooks were lost.
constexpr std::array<std::string_view, 3> kLedgerCorrections{
    "session_closed", "recording_refreshed", "recording_closed"};

std::string_view bounded(std::string_view value, std::span<const std::string_view> known) {
  return std::find(known.begin(), known.end(), value) != known.end() ? value : "other";
}

Counter& counter(std::string_view name, std::string_view help, const Labels& labels) {
  return registry().counter(name, help, labels);
}

constexpr std::array kFastBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                  0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
constexpr std::array kApiBuckets{0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,
                                 1.0,   2.5,  5.0,   10.0, 30.0, 60.0};

template <std::size_t N>
std::vector<double> bounds(const std::array<double, N>& values) {
  return {values.begin(), values.end()};
}

std::atomic<bool> g_ready{false};
std::atomic<double> g_last_reconcile_success{0};

double unix_seconds() {
  return static_cast<double>(util::unix_ms_now()) / 1000.0;
}

// Seconds of a meeting missing from the start of its file: up to half an hour is worth telling
// apart (a lost webhook is found by the next reconcile pass, 30 s by default).
constexpr std::array kStartDelayBuckets{1.0,  2.0,   5.0,   10.0,  20.0,  30.0,
                                        60.0, 120.0, 300.0, 600.0, 1800.0};

// One function per labelled counter: its name, help and label bounds in one place, for the code
// that counts and for initialise_series.
Counter& webhooks(std::string_view event, model::Verdict result) {
  return counter(
      "auto_recorder_webhooks_total",
      "Verified webhooks by event and result (accepted, duplicate, skipped, stopped, busy, "
      "shutting_down).",
      {{"event", std::string(bounded(event, kEvents))},
       {"result", std::string(model::to_string(result))}});
}
Counter& rejected(std::string_view reason) {
  return counter("auto_recorder_webhooks_rejected_total",
                 "Webhook requests refused before reaching the recorder, by reason.",
                 {{"reason", std::string(bounded(reason, kRejectReasons))}});
}
Counter& started(model::Origin origin) {
  return counter("auto_recorder_recordings_started_total",
                 "Recordings started, by what asked for them (webhook, reconciler, restart).",
                 {{"origin", std::string(model::to_string(origin))}});
}
Counter& start_failed(std::string_view code) {
  return counter("auto_recorder_recordings_failed_total",
                 "Start attempts that ended without a recording, by the last Twirp code.",
                 {{"code", std::string(bounded(code, g_outcomes))}});
}
Counter& retried(std::string_view code) {
  return counter("auto_recorder_recordings_retried_total",
                 "Retries of a start after a transient failure, by Twirp code.",
                 {{"code", std::string(bounded(code, g_outcomes))}});
}
Counter& skipped(model::SkipReason reason) {
  return counter("auto_recorder_recordings_skipped_total",
                 "Rooms not started because there was no need, or the recording policy says so "
                 "(reason=\"rule\"), by reason.",
                 {{"reason", std::string(model::to_string(reason))}});
}
// EGRESS_LIMIT_REACHED -> limit_reached.
std::string failure_label(model::EgressStatus status) {
  return util::lower(model::short_name(status));
}
Counter& ended_failed(model::EgressStatus status, std::string_view phase) {
  return counter("auto_recorder_recordings_ended_failed_total",
                 "Recordings that ended failed, aborted or at a limit, by status and whether "
                 "their room was still open (during_room: restarted) or had finished "
                 "(after_room: the file may be incomplete or missing).",
                 {{"status", failure_label(status)}, {"phase", std::string(phase)}});
}
Counter& duplicates(bool stopped) {
  return counter("auto_recorder_duplicates_stopped_total",
                 "Duplicate recordings this service started: stopped, or StopEgress failed.",
                 {{"outcome", stopped ? "stopped" : "failed"}});
}
Counter& api_calls(std::string_view method, std::string_view outcome) {
  return counter("auto_recorder_livekit_api_calls_total",
                 "Calls to LiveKit's API by method and outcome.",
                 {{"method", std::string(bounded(method, kMethods))},
                  {"outcome", std::string(bounded(outcome, g_outcomes))}});
}
Counter& passes(bool ok) {
  return counter("auto_recorder_reconcile_passes_total", "Reconciler passes, by result.",
                 {{"result", ok ? "ok" : "failed"}});
}
Counter& claims(model::Claim result) {
  return counter("auto_recorder_coordination_claims_total",
                 "Claims on rooms in Redis, by result (won, taken, duplicate_event, unavailable).",
                 {{"result", std::string(model::to_string(result))}});
}

}  // namespace

void webhook_verified(std::string_view event, model::Verdict result) {
  // Every webhook counts here: the (event, result) counters are looked up in the registry once,
  // then updated without a lock or an allocation.
  constexpr std::size_t kResults = model::kVerdictNames.names.size();
  static std::array<std::array<std::atomic<Counter*>, kResults>, kEvents.size() + 1> cache{};
  const std::string_view known_event = bounded(event, kEvents);
  const auto e = static_cast<std::size_t>(std::find(kEvents.begin(), kEvents.end(), known_event) -
                                          kEvents.begin());
  const auto r = static_cast<std::size_t>(result);
  if (r >= kResults) return;  // not a verdict this build knows
  Counter* cached = cache.at(e).at(r).load(std::memory_order_acquire);
  if (cached == nullptr) {
    cached = &webhooks(known_event, result);
    cache.at(e).at(r).store(cached, std::memory_order_release);
  }
  cached->inc();
}

void webhook_rejected(std::string_view reason) {
  rejected(reason).inc();
}

Counter& evicted() {
  static Counter& counter =
      registry().counter("auto_recorder_connections_evicted_total",
                         "Idle connections closed to make room for a new one at max_connections.");
  return counter;
}

void connection_evicted() {
  evicted().inc();
}

void webhook_seconds(double seconds) {
  static Histogram& histogram =
      registry().histogram("auto_recorder_webhook_duration_seconds",
                           "Time to verify and answer a webhook.", bounds(kFastBuckets));
  histogram.observe(seconds);
}

void recording_started(model::Origin origin) {
  started(origin).inc();
}

void recording_failed(std::string_view outcome) {
  start_failed(outcome).inc();
}

void recording_retried(std::string_view outcome) {
  retried(outcome).inc();
}

void recording_skipped(model::SkipReason reason) {
  skipped(reason).inc();
}

void api_call(std::string_view method, std::string_view outcome, double seconds) {
  api_calls(method, outcome).inc();
  registry()
      .histogram("auto_recorder_livekit_api_duration_seconds",
                 "Duration of calls to LiveKit's API (StartRoomCompositeEgress, ...).",
                 bounds(kApiBuckets), {{"method", std::string(bounded(method, kMethods))}})
      .observe(seconds);
}

void reconcile_pass(bool ok, std::size_t unrecorded_rooms) {
  passes(ok).inc();
  if (ok) g_last_reconcile_success = unix_seconds();
  static Counter& found = registry().counter(
      "auto_recorder_reconcile_unrecorded_rooms_total",
      "Rooms a reconcile pass found without a recording (each then goes to ensure_recording).");
  found.inc(unrecorded_rooms);
}

void duplicate_stopped(bool stopped) {
  duplicates(stopped).inc();
}

void recording_ended_badly(model::EgressStatus status, bool room_finished) {
  if (!model::is_failure(status)) return;  // not a failure: nothing ended badly
  ended_failed(status, room_finished ? "after_room" : "during_room").inc();
}

void recording_start_delay(double seconds) {
  static Histogram& histogram = registry().histogram(
      "auto_recorder_recording_start_delay_seconds",
      "Seconds from a room's creation to the start of its recording: the part of the meeting "
      "that is not in the file.",
      bounds(kStartDelayBuckets));
  histogram.observe(seconds);
}

Counter& sessions(model::SessionStatus status) {
  return counter("auto_recorder_room_sessions_total",
                 "Room sessions that ended (room finished, no recording active), by their final "
                 "status in the ledger.",
                 {{"status", std::string(model::to_string(status))}});
}

void room_session_ended(model::SessionStatus status) {
  sessions(status).inc();
}

Counter& corrections(std::string_view change) {
  return counter("auto_recorder_ledger_corrections_total",
                 "What reconcile passes corrected in the ledger because webhooks were lost: "
                 "sessions closed whose room_finished never came, recordings refreshed or added "
                 "from ListEgress, recordings closed that LiveKit no longer knew.",
                 {{"change", std::string(bounded(change, kLedgerCorrections))}});
}

void ledger_corrected(std::string_view change, std::size_t count) {
  if (count > 0) corrections(change).inc(count);
}

namespace {

constexpr std::array<std::string_view, 4> kLedgerReads{"ok", "busy", "timeout", "failed"};

Counter& ledger_reads(LedgerRead result) {
  return counter("auto_recorder_ledger_reads_total",
                 "API reads of the ledger, by result (ok; busy: refused with 503 because too many "
                 "waited; timeout: stopped at ledger.query_timeout; failed).",
                 {{"result", std::string(kLedgerReads.at(static_cast<std::size_t>(result)))}});
}

}  // namespace

void ledger_read(LedgerRead result) {
  ledger_reads(result).inc();
}

void coordination_claim(model::Claim result) {
  claims(result).inc();
}

void initialise_series(std::span<const std::string_view> call_outcomes) {
  g_outcomes = call_outcomes;
  for (std::string_view event : kEvents) {
    for (const model::Verdict result : values_of(model::kVerdictNames)) webhooks(event, result);
  }
  for (std::string_view reason : kRejectReasons) rejected(reason);
  evicted();
  for (const model::Origin origin : values_of(model::kOriginNames)) started(origin);
  for (std::string_view code : g_outcomes) {
    start_failed(code);
    retried(code);
    for (std::string_view method : kMethods) api_calls(method, code);
  }
  for (const model::SkipReason reason : values_of(model::kSkipReasonNames)) skipped(reason);
  for (const model::EgressStatus status : values_of(model::kEgressStatusNames)) {
    if (!model::is_failure(status)) continue;
    for (std::string_view phase : kPhases) ended_failed(status, phase);
  }
  passes(true);
  passes(false);
  for (const bool stopped : {true, false}) duplicates(stopped);
  for (const model::Claim result : values_of(model::kClaimNames)) claims(result);
  // Final statuses only: a session still recording has not ended.
  for (const model::SessionStatus status : values_of(model::kSessionStatusNames)) {
    if (status != model::SessionStatus::kRecording) sessions(status);
  }
  for (std::string_view change : kLedgerCorrections) corrections(change);
  for (std::size_t i = 0; i < kLedgerReads.size(); ++i) ledger_reads(static_cast<LedgerRead>(i));
  registry().gauge("auto_recorder_last_reconcile_success_timestamp_seconds",
                   "Unix time of this replica's last successful reconcile pass; 0 until its first "
                   "(and on replicas that do not run passes).",
                   [] { return g_last_reconcile_success.load(); });
}

void track_coordination(std::function<double()> degraded, std::function<double()> leader,
                        std::function<double()> refused_replies) {
  registry().gauge("auto_recorder_coordination_degraded",
                   "1 while Redis is configured but unreachable: starts rely on the ListEgress "
                   "check alone and duplicates become possible.",
                   std::move(degraded));
  registry().gauge("auto_recorder_reconciler_leader",
                   "1 while this replica runs reconcile passes (holds the lease, runs alone, or "
                   "Redis is unreachable).",
                   std::move(leader));
  registry().counter_read("auto_recorder_redis_replies_refused_total",
                          "Redis replies refused past their bounds (1 MiB, 1024 elements per "
                          "array); each closed its connection.",
                          std::move(refused_replies));
}

void track_ledger(bool enabled, std::function<double()> queued,
                  std::function<double()> queued_bytes, std::function<double()> dropped,
                  std::function<double()> write_errors, std::function<double()> files_gone) {
  registry().gauge("auto_recorder_ledger_enabled",
                   "1 while the ledger is kept; 0 when it is off (ledger: off, several replicas "
                   "without ledger.postgres_url, or a default file that cannot be opened).",
                   [enabled] { return enabled ? 1.0 : 0.0; });
  registry().gauge("auto_recorder_ledger_queue",
                   "Ledger entries waiting to be written, the batch being written included (the "
                   "ledger is behind while it grows).",
                   std::move(queued));
  registry().gauge("auto_recorder_ledger_queue_bytes",
                   "Estimated bytes of the ledger entries waiting to be written, the batch being "
                   "written included; the oldest are dropped past 32 MiB.",
                   std::move(queued_bytes));
  registry().counter_read("auto_recorder_ledger_dropped_total",
                          "Ledger entries dropped because the queue was full (the oldest go).",
                          std::move(dropped));
  registry().counter_read("auto_recorder_ledger_write_errors_total",
                          "Ledger writes that failed (retried until they work).",
                          std::move(write_errors));
  registry().counter_read("auto_recorder_ledger_file_replaced_total",
                          "Times the ledger's SQLite file was found deleted or replaced while the "
                          "service ran (a new one is made at its path and written on).",
                          std::move(files_gone));
}

void track_pending_starts(std::function<double()> read) {
  registry().gauge("auto_recorder_pending_starts",
                   "Rooms waiting for their recording to start (the bounded queue).",
                   std::move(read));
}

void track_api_calls_in_flight(std::function<double()> read) {
  registry().gauge("auto_recorder_livekit_api_calls_in_flight",
                   "Calls to LiveKit's API queued or running.", std::move(read));
}

void set_ready(bool ready) {
  g_ready = ready;
  static const bool registered = [] {
    registry().gauge("auto_recorder_ready", "1 while the service accepts webhooks.",
                     [] { return g_ready.load() ? 1.0 : 0.0; });
    return true;
  }();
  (void)registered;
}

void publish_build_info(std::string_view version) {
  registry().gauge("auto_recorder_build_info", "Version of the running binary.", [] { return 1.0; },
                   {{"version", std::string(version)}});
}

}  // namespace ar::metrics
