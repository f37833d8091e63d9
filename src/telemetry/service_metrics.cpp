#include "telemetry/service_metrics.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <string>

#include "telemetry/metrics.hpp"

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
constexpr std::array<std::string_view, 4> kMethods{"StartRoomCompositeEgress", "ListEgress",
                                                   "ListRooms", "StopEgress"};
// Twirp's codes plus the client's own transport outcomes.
constexpr std::array<std::string_view, 21> kCodes{"ok",
                                                  "canceled",
                                                  "unknown",
                                                  "invalid_argument",
                                                  "malformed",
                                                  "deadline_exceeded",
                                                  "not_found",
                                                  "bad_route",
                                                  "already_exists",
                                                  "permission_denied",
                                                  "unauthenticated",
                                                  "resource_exhausted",
                                                  "failed_precondition",
                                                  "aborted",
                                                  "out_of_range",
                                                  "unimplemented",
                                                  "internal",
                                                  "unavailable",
                                                  "dataloss",
                                                  "connection_error",
                                                  "http_error"};

template <std::size_t N>
std::string_view bounded(std::string_view value, const std::array<std::string_view, N>& known) {
  if (value.starts_with("http_") && value != "http_error") return "http_error";
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

}  // namespace

void webhook_verified(std::string_view event, std::string_view result) {
  // Every webhook counts here: the (event, result) counters are looked up in the registry once,
  // then updated without a lock or an allocation.
  static constexpr std::array<std::string_view, 5> kResults{"accepted", "duplicate", "skipped",
                                                            "busy", "shutting_down"};
  static std::array<std::array<std::atomic<Counter*>, kResults.size()>, kEvents.size() + 1> cache{};
  const std::string_view known_event = bounded(event, kEvents);
  const auto e = static_cast<std::size_t>(std::find(kEvents.begin(), kEvents.end(), known_event) -
                                          kEvents.begin());
  const auto r = static_cast<std::size_t>(std::find(kResults.begin(), kResults.end(), result) -
                                          kResults.begin());
  if (r == kResults.size()) return;  // not a result this metric knows
  Counter* cached = cache.at(e).at(r).load(std::memory_order_acquire);
  if (cached == nullptr) {
    cached = &counter(
        "auto_recorder_webhooks_total",
        "Verified webhooks by event and result (accepted, duplicate, busy, shutting_down).",
        {{"event", std::string(known_event)}, {"result", std::string(result)}});
    cache.at(e).at(r).store(cached, std::memory_order_release);
  }
  cached->inc();
}

void webhook_rejected(std::string_view reason) {
  counter("auto_recorder_webhooks_rejected_total",
          "Webhook requests refused before reaching the recorder, by reason.",
          {{"reason", std::string(reason)}})
      .inc();
}

void connection_evicted() {
  static Counter& counter =
      registry().counter("auto_recorder_connections_evicted_total",
                         "Idle connections closed to make room for a new one at max_connections.");
  counter.inc();
}

void webhook_seconds(double seconds) {
  static Histogram& histogram =
      registry().histogram("auto_recorder_webhook_duration_seconds",
                           "Time to verify and answer a webhook.", bounds(kFastBuckets));
  histogram.observe(seconds);
}

void recording_started(std::string_view origin) {
  counter("auto_recorder_recordings_started_total",
          "Recordings started, by what asked for them (webhook, reconciler, restart).",
          {{"origin", std::string(origin)}})
      .inc();
}

void recording_failed(std::string_view code) {
  counter("auto_recorder_recordings_failed_total",
          "Start attempts that ended without a recording, by the last Twirp code.",
          {{"code", std::string(bounded(code, kCodes))}})
      .inc();
}

void recording_retried(std::string_view code) {
  counter("auto_recorder_recordings_retried_total",
          "Retries of a start after a transient failure, by Twirp code.",
          {{"code", std::string(bounded(code, kCodes))}})
      .inc();
}

void recording_skipped(std::string_view reason) {
  counter("auto_recorder_recordings_skipped_total",
          "Rooms not started because there was no need, or the recording policy says so "
          "(reason=\"rule\"), by reason.",
          {{"reason", std::string(reason)}})
      .inc();
}

void api_call(std::string_view method, std::string_view outcome, double seconds) {
  const std::string m(bounded(method, kMethods));
  counter("auto_recorder_livekit_api_calls_total", "Calls to LiveKit's API by method and outcome.",
          {{"method", m}, {"outcome", std::string(bounded(outcome, kCodes))}})
      .inc();
  registry()
      .histogram("auto_recorder_livekit_api_duration_seconds",
                 "Duration of calls to LiveKit's API (StartRoomCompositeEgress, ...).",
                 bounds(kApiBuckets), {{"method", m}})
      .observe(seconds);
}

void reconcile_pass(bool ok, std::size_t unrecorded_rooms) {
  counter("auto_recorder_reconcile_passes_total", "Reconciler passes, by result.",
          {{"result", ok ? "ok" : "failed"}})
      .inc();
  static Counter& found = registry().counter(
      "auto_recorder_reconcile_unrecorded_rooms_total",
      "Rooms a reconcile pass found without a recording (each then goes to ensure_recording).");
  found.inc(unrecorded_rooms);
}

void coordination_claim(std::string_view result) {
  counter("auto_recorder_coordination_claims_total",
          "Claims on rooms in Redis, by result (won, taken, duplicate_event, unavailable).",
          {{"result", std::string(result)}})
      .inc();
}

void track_coordination(std::function<double()> degraded, std::function<double()> leader) {
  registry().gauge("auto_recorder_coordination_degraded",
                   "1 while Redis is configured but unreachable: starts rely on the ListEgress "
                   "check alone and duplicates become possible.",
                   std::move(degraded));
  registry().gauge("auto_recorder_reconciler_leader",
                   "1 while this replica runs reconcile passes (holds the lease, runs alone, or "
                   "Redis is unreachable).",
                   std::move(leader));
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
