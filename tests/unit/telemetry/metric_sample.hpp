#pragma once
// One sample of the metrics page as Prometheus scrapes it: the value of `series` (its name and
// labels as rendered, e.g. `auto_recorder_recordings_skipped_total{reason="rule"}`), or -1 when
// the page has no such series.
#include <sstream>
#include <string>
#include <string_view>

#include "telemetry/metrics.hpp"

namespace ar::testing {

inline double metric_sample(std::string_view series) {
  std::istringstream page(metrics::registry().render());
  for (std::string line; std::getline(page, line);) {
    if (line.starts_with(series) && line.size() > series.size() && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

}  // namespace ar::testing
