#include "telemetry/service_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>

#include "telemetry/metric_sample.hpp"

namespace ar::metrics {
namespace {

using testing::metric_sample;

constexpr std::array<std::string_view, 2> kOutcomes{"ok", "unavailable"};

// A series for every name, at 0 or more: `series` + "\"<name>\"}".
template <std::size_t N>
void expect_series(std::string_view series, const std::array<std::string_view, N>& names) {
  for (const std::string_view name : names) {
    const std::string sample = std::string(series) + "\"" + std::string(name) + "\"}";
    EXPECT_GE(metric_sample(sample), 0) << sample;
  }
}

// Every value of the vocabulary's tables has its series from the start, at 0: a new value is a
// new label (never "other"), and increase() sees its first step.
TEST(ServiceMetrics, EveryValueOfTheVocabularyHasItsSeriesFromTheStart) {
  initialise_series(kOutcomes);
  expect_series("auto_recorder_recordings_skipped_total{reason=", model::kSkipReasonNames.names);
  expect_series("auto_recorder_recordings_started_total{origin=", model::kOriginNames.names);
  expect_series("auto_recorder_webhooks_total{event=\"room_started\",result=",
                model::kVerdictNames.names);
  expect_series("auto_recorder_coordination_claims_total{result=", model::kClaimNames.names);
  EXPECT_GE(metric_sample("auto_recorder_room_sessions_total{status=\"unrecorded\"}"), 0);
  EXPECT_EQ(metric_sample("auto_recorder_room_sessions_total{status=\"recording\"}"), -1)
      << "a session still recording has not ended";
  EXPECT_GE(
      metric_sample("auto_recorder_recordings_ended_failed_total{status=\"limit_reached\",phase="
                    "\"after_room\"}"),
      0);
  EXPECT_EQ(metric_sample("auto_recorder_recordings_ended_failed_total{status=\"complete\",phase="
                          "\"after_room\"}"),
            -1);
}

TEST(ServiceMetrics, CountsByTheVocabularysNames) {
  initialise_series(kOutcomes);
  const auto skipped = [] {
    return metric_sample("auto_recorder_recordings_skipped_total{reason=\"stopped_on_purpose\"}");
  };
  const double before = skipped();
  recording_skipped(model::SkipReason::kStoppedOnPurpose);
  EXPECT_EQ(skipped(), before + 1);

  const auto limit = [] {
    return metric_sample(
        "auto_recorder_recordings_ended_failed_total{status=\"limit_reached\",phase=\"during_"
        "room\"}");
  };
  const double limit_before = limit();
  recording_ended_badly(model::EgressStatus::kLimitReached, false);
  recording_ended_badly(model::EgressStatus::kComplete, false);  // not a failure: not counted
  EXPECT_EQ(limit(), limit_before + 1);

  const auto webhooks = [](std::string_view event) {
    return metric_sample("auto_recorder_webhooks_total{event=\"" + std::string(event) +
                         "\",result=\"busy\"}");
  };
  const double other = std::max(0.0, webhooks("other"));  // made by its first count
  webhook_verified("a_newer_livekits_event", model::Verdict::kBusy);
  EXPECT_EQ(webhooks("other"), other + 1) << "LiveKit's event names are bounded";
}

}  // namespace
}  // namespace ar::metrics
