#include "app/recorder_telemetry.hpp"

#include <gtest/gtest.h>

#include "telemetry/log.hpp"
#include "telemetry/metric_sample.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::app {
namespace {

using testing::metric_sample;

// What the recorder tells becomes the counters an operator scrapes: a skip said once is still
// counted every time, a start by its origin, a failure by its call's outcome.
TEST(RecorderTelemetry, CountsWhatTheRecorderTells) {
  log::setup({.level = log::Level::kError});
  constexpr std::array<std::string_view, 2> kOutcomes{"ok", "unavailable"};
  metrics::initialise_series(kOutcomes);
  RecorderTelemetry told;
  const auto sample = [](std::string_view series) { return metric_sample(series); };
  const std::string limit = "auto_recorder_recordings_skipped_total{reason=\"restart_limit\"}";
  const std::string restarts = "auto_recorder_recordings_started_total{origin=\"restart\"}";
  const std::string failed = "auto_recorder_recordings_failed_total{code=\"unavailable\"}";
  const std::string claims = "auto_recorder_coordination_claims_total{result=\"taken\"}";
  const double limit_before = sample(limit);
  const double restarts_before = sample(restarts);
  const double failed_before = sample(failed);
  const double claims_before = sample(claims);

  recorder::Skipped skip;
  skip.reason = model::SkipReason::kRestartLimit;
  told.tell(skip);
  skip.repeated = true;
  told.tell(skip);
  recorder::Started started;
  started.origin = model::Origin::kRestart;
  told.tell(started);
  recorder::GaveUp gave_up;
  gave_up.failure.outcome = "unavailable";
  told.tell(gave_up);
  told.tell(recorder::Claimed{model::Claim::kTaken, model::Origin::kWebhook, "a", "RM_a", "b"});
  told.tell(recorder::RecordingEnded{});  // EGRESS_COMPLETE: nothing ended badly

  EXPECT_EQ(sample(limit), limit_before + 2);
  EXPECT_EQ(sample(restarts), restarts_before + 1);
  EXPECT_EQ(sample(failed), failed_before + 1);
  EXPECT_EQ(sample(claims), claims_before + 1);
}

}  // namespace
}  // namespace ar::app
