#include "app/recorder_telemetry.hpp"

#include <string>

#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"
#include "util/duration.hpp"

namespace ar::app {
namespace {

using model::SkipReason;
using recorder::GaveUp;

void said(const recorder::Skipped& e) {
  const std::string_view origin = model::to_string(e.origin);
  switch (e.reason) {
    case SkipReason::kDuplicateEvent:
      // Here (no room yet), or by another replica (its claim said so).
      if (e.room.empty()) {
        return log::info("skipped: duplicate webhook",
                         {{"event", e.event}, {"event_id", e.event_id}});
      }
      return log::info("skipped: duplicate webhook, handled by another replica",
                       {{"room", e.room}, {"event_id", e.event_id}});
    case SkipReason::kDuplicateRoom:
      return log::info("skipped: room_started already handled for this room",
                       {{"room", e.room}, {"room_sid", e.room_sid}, {"event_id", e.event_id}});
    case SkipReason::kRoomFinished:
      return log::info("skipped: room already finished",
                       {{"room", e.room}, {"room_sid", e.room_sid}, {"origin", origin}});
    case SkipReason::kRestartLimit:
      return log::error("not restarted: restart limit reached for this room",
                        {{"room", e.room},
                         {"room_sid", e.room_sid},
                         {"restarts_last_hour", std::to_string(e.restarts)},
                         {"origin", origin}});
    case SkipReason::kRule:
      return log::info(
          "skipped: the recording policy says not to record this room",
          {{"room", e.room}, {"room_sid", e.room_sid}, {"rule", e.rule}, {"origin", origin}});
    case SkipReason::kStoppedOnPurpose:
      return log::info("not restarted: recording stopped on purpose", {{"room", e.room},
                                                                       {"room_sid", e.room_sid},
                                                                       {"egress_id", e.egress_id},
                                                                       {"origin", origin}});
    case SkipReason::kAlreadyRecording:
      // For the reconciler this is the expected end of a race (the room's recording started
      // after the pass listed egresses), thousands of times after an outage.
      return log::at(
          e.origin == model::Origin::kReconciler ? log::Level::kDebug : log::Level::kInfo,
          "skipped: room is already being recorded",
          {{"room", e.room},
           {"room_sid", e.room_sid},
           {"egress_id", e.egress_id},
           {"status", model::to_string(e.status)},
           {"origin", origin}});
    case SkipReason::kClaimedElsewhere:
      return log::info(
          "skipped: another replica is starting or has started this recording",
          {{"room", e.room}, {"room_sid", e.room_sid}, {"holder", e.holder}, {"origin", origin}});
  }
}

std::string_view gave_up_message(GaveUp::Why why, std::string_view code) {
  if (why == GaveUp::Why::kRefused && code.starts_with("proxy_")) {
    return "recording not started: the proxy refused the request, check its settings "
           "(HTTP_PROXY, HTTPS_PROXY, NO_PROXY); not retried";
  }
  switch (why) {
    case GaveUp::Why::kRoomGone:
      return "room is gone: stopped trying to record it";
    case GaveUp::Why::kRefused:
      return "recording not started: LiveKit refused the request, check the configuration; not "
             "retried";
    case GaveUp::Why::kShuttingDown:
      return "recording not started: shutting down, left to the reconciler";
    case GaveUp::Why::kTimeUp:
      return "gave up starting the recording; the reconciler tries again";
  }
  return "gave up starting the recording";
}

// What a recording records, for its log lines: the room, or one participant or track.
std::string_view records(const std::string& subject) {
  return subject.empty() ? std::string_view("room") : std::string_view(subject);
}

void said(const recorder::RecordingEnded& e) {
  const bool ours = e.records_room || !e.subject.empty();
  if (!ours || e.duplicate || !model::is_failure(e.status)) {
    return log::debug(
        "recording ended",
        {{"room", e.room}, {"egress_id", e.egress_id}, {"status", model::to_string(e.status)}});
  }
  metrics::recording_ended_badly(e.status, e.room_finished);
  const std::string error_code = std::to_string(e.error_code);
  const log::Fields fields = {{"room", e.room},
                              {"room_sid", e.room_sid},
                              {"egress_id", e.egress_id},
                              {"status", model::to_string(e.status)},
                              {"error", e.error},
                              {"error_code", error_code},
                              {"records", records(e.subject)}};
  if (e.room_finished) {
    return log::error(
        "recording failed after the room finished: its file may be incomplete or missing", fields);
  }
  log::warn("recording failed mid-room: restarting if the room still exists", fields);
}

// One overload per event: what the operator reads, and what is counted.
struct Say {
  void operator()(const recorder::Skipped& e) const {
    metrics::recording_skipped(e.reason);
    if (!e.repeated) said(e);
  }
  void operator()(const recorder::Started& e) const {
    log::info("recording started", {{"room", e.room},
                                    {"room_sid", e.room_sid},
                                    {"egress_id", e.egress_id},
                                    {"origin", model::to_string(e.origin)},
                                    {"rule", e.rule},
                                    {"retries", std::to_string(e.retries)},
                                    {"records", records(e.subject)}});
    metrics::recording_started(e.origin);
    if (e.start_delay) metrics::recording_start_delay(*e.start_delay);
  }
  void operator()(const recorder::GaveUp& e) const {
    const recorder::CallFailed& f = e.failure;
    log::at(e.why == GaveUp::Why::kRoomGone ? log::Level::kInfo : log::Level::kError,
            gave_up_message(e.why, f.code),
            {{"room", f.room},
             {"room_sid", f.room_sid},
             {"call", f.call},
             {"code", f.code},
             {"error", f.error},
             {"origin", model::to_string(f.origin)},
             {"records", records(f.subject)}});
    metrics::recording_failed(f.outcome);
  }
  void operator()(const recorder::Retrying& e) const {
    const recorder::CallFailed& f = e.failure;
    log::warn("recording not started yet: retrying", {{"room", f.room},
                                                      {"room_sid", f.room_sid},
                                                      {"call", f.call},
                                                      {"code", f.code},
                                                      {"error", f.error},
                                                      {"retry_in", util::format_duration(e.delay)},
                                                      {"retry", std::to_string(e.retry)},
                                                      {"records", records(f.subject)}});
    metrics::recording_retried(f.outcome);
  }
  void operator()(const recorder::AskingAgain& e) const {
    const recorder::CallFailed& f = e.failure;
    log::warn("room finished, and its recordings could not be listed: asking LiveKit again",
              {{"room", f.room},
               {"room_sid", f.room_sid},
               {"code", f.code},
               {"error", f.error},
               {"retry_in", util::format_duration(e.delay)}});
  }
  void operator()(const recorder::Claimed& e) const {
    metrics::coordination_claim(e.result);
    if (e.result != model::Claim::kUnavailable) return;
    log::debug("Redis unavailable: relying on the ListEgress check alone",
               {{"room", e.room},
                {"room_sid", e.room_sid},
                {"holder", e.holder},
                {"origin", model::to_string(e.origin)}});
  }
  void operator()(const recorder::RecordingEnded& e) const { said(e); }
  void operator()(const recorder::StartAbandoned& e) const {
    log::info("room finished before its recording started: stopped trying",
              {{"room", e.room}, {"room_sid", e.room_sid}});
  }
  void operator()(const recorder::RestartUnknown& e) const {
    log::warn("could not check whether the room still exists; the reconciler will",
              {{"room", e.room}, {"code", e.code}, {"error", e.error}});
  }
  void operator()(const recorder::RestartNotNeeded& e) const {
    log::info("room is gone: recording not restarted",
              {{"room", e.room}, {"room_sid", e.room_sid}});
  }
  void operator()(const recorder::DuplicateStopped& e) const {
    metrics::duplicate_stopped(e.code.empty());
    if (e.code.empty()) {
      log::warn(
          "duplicate recording stopped: ours ran beside an older recording of the same room "
          "session, which is kept",
          {{"room", e.room}, {"room_sid", e.room_sid}, {"egress_id", e.stopped}, {"kept", e.kept}});
      return;
    }
    log::warn("duplicate recording not stopped: StopEgress failed; the next look tries again",
              {{"room", e.room},
               {"room_sid", e.room_sid},
               {"egress_id", e.stopped},
               {"code", e.code},
               {"error", e.error}});
  }
  void operator()(const recorder::Busy& e) const {
    log::warn("busy: too many rooms waiting to start, answering 503",
              {{"room", e.room}, {"pending", std::to_string(e.pending)}});
  }
  void operator()(const recorder::MetadataUnparsable& e) const {
    log::warn("room metadata is not a JSON object: rules that test metadata do not fit this room",
              {{"room", e.room}, {"room_sid", e.room_sid}, {"rule", e.rule}});
  }
  void operator()(const recorder::RetriesAbandoned& e) const {
    log::warn("shutting down: rooms waiting to retry are left to the reconciler of the next start",
              {{"rooms", std::to_string(e.rooms)}});
  }
  void operator()(const recorder::WebhookIgnored& e) const {
    if (e.event == "egress_ended") {
      return log::debug("egress_ended without an egress id: nothing to act on",
                        {{"event_id", e.event_id}});
    }
    log::debug("webhook ignored", {{"event", e.event}, {"event_id", e.event_id}});
  }
  void operator()(const recorder::ReconcilerOff& /*off*/) const {
    log::info(
        "reconciler off (reconcile_interval is 0): rooms whose webhook is lost stay "
        "unrecorded");
  }
  void operator()(const recorder::ReconcilerRole& e) const {
    using Role = recorder::ReconcilerRole::Role;
    switch (e.role) {
      case Role::kLeader:
        return log::info("reconciler lease taken: this replica runs the reconcile passes",
                         {{"replica", e.replica}});
      case Role::kFollower:
        return log::info("reconciler lease held by another replica: this one does not reconcile",
                         {{"replica", e.replica}, {"holder", e.holder}});
      case Role::kWithoutRedis:
        return log::warn(
            "Redis unreachable: this replica reconciles without the lease until it returns",
            {{"replica", e.replica}});
    }
  }
  void operator()(const recorder::PassFailed& e) const {
    log::warn("reconcile pass failed", {{"call", e.call}, {"code", e.code}, {"error", e.error}});
    metrics::reconcile_pass(false, 0);
  }
  void operator()(const recorder::LedgerNotCompared& e) const {
    log::debug(e.timed_out
                   ? "reconcile pass: the ledger did not answer in time; not compared this pass"
                   : "reconcile pass: the ledger is not compared with LiveKit this pass");
  }
  void operator()(const recorder::LedgerCaughtUp& e) const {
    metrics::ledger_corrected("session_closed", e.sessions_closed);
    metrics::ledger_corrected("recording_refreshed", e.recordings_refreshed);
    metrics::ledger_corrected("recording_closed", e.recordings_closed);
    log::info("reconcile pass: the ledger caught up with what LiveKit lists (webhooks were lost)",
              {{"sessions_closed", std::to_string(e.sessions_closed)},
               {"recordings_refreshed", std::to_string(e.recordings_refreshed)},
               {"recordings_closed", std::to_string(e.recordings_closed)},
               {"ends_acted_on", std::to_string(e.ends_acted_on)}});
  }
  void operator()(const recorder::PassDone& e) const {
    metrics::reconcile_pass(true, e.starting + e.deferred);
    // Named strings: log fields are views and must outlive the call.
    const std::string rooms = std::to_string(e.rooms);
    const std::string recorded = std::to_string(e.recorded);
    const std::string starting = std::to_string(e.starting);
    const std::string deferred = std::to_string(e.deferred);
    const std::string skipped = std::to_string(e.skipped);
    const std::string stopped = std::to_string(e.stopped);
    const log::Fields fields = {
        {"rooms", rooms},       {"recorded", recorded},         {"starting", starting},
        {"deferred", deferred}, {"skipped_by_policy", skipped}, {"stopped_on_purpose", stopped}};
    if (e.deferred > 0) {
      return log::warn(
          "reconcile pass: more rooms without a recording than max_pending_starts; the rest "
          "wait for the next pass",
          fields);
    }
    if (e.starting > 0) return log::info("reconcile pass: found rooms without a recording", fields);
    log::debug("reconcile pass: every room is recorded", fields);
  }
};

}  // namespace

void RecorderTelemetry::tell(const recorder::Event& event) {
  std::visit(Say{}, event);
}

}  // namespace ar::app
