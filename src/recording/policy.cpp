#include "recording/policy.hpp"

namespace ar::recording {

Policy::Policy(const Plan& top_level, std::span<const Rule> rules)
    : top_level_(top_level), rules_(rules) {
  matches_.reserve(rules.size());
  records_subjects_ = top_level.record.subjects();
  for (const Rule& rule : rules) {
    matches_.push_back(rule.match);
    if (rule.record && rule.recording.record.subjects()) records_subjects_ = true;
  }
}

Choice Policy::choose(std::string_view room_name, std::string_view room_metadata) const {
  const Decision decision = first_match(matches_, room_name, room_metadata);
  Choice choice{&top_level_, "top level", decision.metadata_unparsable};
  if (decision.rule) {
    const Rule& rule = rules_[*decision.rule];
    choice.rule = rule.label;
    choice.recording = rule.record ? &rule.recording : nullptr;
  }
  // `record: false` at the top level: rooms no rule records are skipped.
  if (choice.recording != nullptr && choice.recording->record.none()) choice.recording = nullptr;
  return choice;
}

}  // namespace ar::recording
