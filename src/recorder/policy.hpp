#pragma once
// The recording policy for one room: the first rule whose match fits decides whether the room is
// recorded and with which settings; rooms no rule fits get the top level's settings.
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "livekit/webhook.hpp"
#include "recorder/room_match.hpp"

namespace ar::recorder {

struct Choice {
  const config::Recording* recording = nullptr;  // null: a rule says record: false
  std::string_view rule = "top level";           // the label of the rule that decided
  bool metadata_unparsable = false;              // a rule tested metadata that is not a JSON object
};

class Policy {
 public:
  // Keeps references into `config`, which must outlive the policy.
  explicit Policy(const config::Config& config);

  Choice choose(const livekit::Room& room) const;

 private:
  const config::Config& config_;
  std::vector<RoomMatch> matches_;  // config_.rules' matches, in order
};

}  // namespace ar::recorder
