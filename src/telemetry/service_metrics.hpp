#pragma once
// Every metric the service exports, in one place: names, help texts and the label values they
// may carry (bounded: no room names, unknown values folded into "other").
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>

#include "model/claim.hpp"
#include "model/egress_status.hpp"
#include "model/origin.hpp"
#include "model/session_status.hpp"
#include "model/skip_reason.hpp"
#include "model/verdict.hpp"

namespace ar::metrics {

// Webhooks that passed verification, by event and what came of them (model/verdict.hpp).
void webhook_verified(std::string_view event, model::Verdict result);
// Webhooks refused before reaching the recorder, by reason (bad_signature, expired, ...).
void webhook_rejected(std::string_view reason);
// An idle connection closed to make room for a new one at max_connections.
void connection_evicted();
// Time from a complete request to its answer.
void webhook_seconds(double seconds);

void recording_started(model::Origin origin);
// A start attempt that ended without a recording, by the last call's outcome (one of those
// initialise_series was given, like every `outcome` here; others count as "other").
void recording_failed(std::string_view outcome);
void recording_retried(std::string_view outcome);
// Rooms not started, by reason (model/skip_reason.hpp).
void recording_skipped(model::SkipReason reason);
// A recording that ended EGRESS_FAILED, EGRESS_ABORTED or EGRESS_LIMIT_REACHED (labelled
// "failed", "aborted", "limit_reached"), while its room was open or after it finished.
void recording_ended_badly(model::EgressStatus status, bool room_finished);
// A duplicate recording this service started: stopped, or its StopEgress failed.
void duplicate_stopped(bool stopped);
// Seconds from a room's creation to the successful start of its recording.
void recording_start_delay(double seconds);
// A room session that ended, by its final status in the ledger (model/session_status.hpp).
void room_session_ended(model::SessionStatus status);

// Every call to LiveKit's API, by method and outcome ("ok" or the Twirp code).
void api_call(std::string_view method, std::string_view outcome, double seconds);

void reconcile_pass(bool ok, std::size_t unrecorded_rooms);
// What a reconcile pass corrected in the ledger (session_closed, recording_refreshed,
// recording_closed), `count` times.
void ledger_corrected(std::string_view change, std::size_t count);

// An API read of the ledger: answered, refused because too many waited, stopped at its time
// limit, or failed (the database is down, or a bug).
enum class LedgerRead { kOk, kBusy, kTimeout, kFailed };
void ledger_read(LedgerRead result);

// Redis coordination of replicas: claims by result (model/claim.hpp).
void coordination_claim(model::Claim result);
// Gauges: 1 while Redis is configured but unreachable; 1 while this replica runs reconcile passes.
// A counter: replies refused past their bounds (coordination/reply_reader.hpp).
void track_coordination(std::function<double()> degraded, std::function<double()> leader,
                        std::function<double()> refused_replies);

// The ledger: whether it is kept, entries waiting to be written and their estimated bytes,
// dropped past the queue's bounds, failed writes, its file found deleted or replaced (all 0 while
// it is off).
void track_ledger(bool enabled, std::function<double()> queued,
                  std::function<double()> queued_bytes, std::function<double()> dropped,
                  std::function<double()> write_errors, std::function<double()> files_gone);

// Gauges read at scrape time.
void track_pending_starts(std::function<double()> read);
void track_api_calls_in_flight(std::function<double()> read);
void set_ready(bool ready);

// Creates every labelled counter's known series at 0 (so that increase() sees the first step)
// and the gauges that need no one to track them. Once, at startup, before anything counts.
// `call_outcomes`: what a LiveKit API call may end with (livekit::call_outcomes()), kept.
void initialise_series(std::span<const std::string_view> call_outcomes);

// auto_recorder_build_info{version="..."} 1
void publish_build_info(std::string_view version);

}  // namespace ar::metrics
