#pragma once
// What the recorder tells (recorder/events.hpp), as the operator reads it: one log line per
// decision worth a line, and the metrics that count it. The words of those lines live here.
#include "recorder/events.hpp"

namespace ar::app {

class RecorderTelemetry final : public recorder::Events {
 public:
  void tell(const recorder::Event& event) override;
};

}  // namespace ar::app
