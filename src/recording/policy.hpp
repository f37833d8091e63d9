#pragma once
// The recording policy for one room: the first rule whose match fits decides whether the room is
// recorded and with which settings; rooms no rule fits get the top level's settings.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "recording/recording.hpp"
#include "recording/room_match.hpp"

namespace ar::recording {

// One entry of `rules:`. The first rule whose match fits a room decides how it is recorded, or
// that it is not; rooms no rule fits are recorded with the top-level settings.
struct Rule {
  std::string label;  // "rules[2]", or "rules[2] (classes)" when the rule has a name
  RoomMatch match;
  bool record = true;
  Plan recording;  // the top level's, with this rule's settings on top
};

struct Choice {
  const Plan* recording = nullptr;      // null: a rule says record: false
  std::string_view rule = "top level";  // the label of the rule that decided
  bool metadata_unparsable = false;     // a rule tested metadata that is not a JSON object
};

class Policy {
 public:
  // Keeps references to `top_level` and `rules`, which must outlive the policy.
  Policy(const Plan& top_level, std::span<const Rule> rules);

  Choice choose(std::string_view room_name, std::string_view room_metadata) const;

  // Whether any rule (or the top level) records participants or tracks: when none does, their
  // webhooks are ignored without a look at the room.
  bool records_subjects() const { return records_subjects_; }

 private:
  const Plan& top_level_;
  std::span<const Rule> rules_;
  std::vector<RoomMatch> matches_;  // rules_' matches, in order
  bool records_subjects_ = false;
};

}  // namespace ar::recording
