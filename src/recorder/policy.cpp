#include "recorder/policy.hpp"

namespace ar::recorder {

Policy::Policy(const config::Config& config) : config_(config) {
  matches_.reserve(config.rules.size());
  for (const config::Rule& rule : config.rules) matches_.push_back(rule.match);
}

Choice Policy::choose(const livekit::Room& room) const {
  const Decision decision = first_match(matches_, room.name, room.metadata);
  Choice choice{&config_.recording, "top level", decision.metadata_unparsable};
  if (decision.rule) {
    const config::Rule& rule = config_.rules.at(*decision.rule);
    choice.rule = rule.label;
    choice.recording = rule.record ? &rule.recording : nullptr;
  }
  return choice;
}

}  // namespace ar::recorder
