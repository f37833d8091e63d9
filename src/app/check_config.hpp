#pragma once
// --check-config: the configuration as startup reads it, secrets redacted, its warnings, and for
// each room name given, the rule it meets and the request that would be sent.
#include <ostream>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ar::app {

struct CheckConfigArgs {
  std::vector<std::string> rooms;
  std::string room_metadata;
  bool strict = false;  // every warning is an error
};

// Prints to `out`; 0 when the configuration is valid, 1 when not (under --strict).
int check_config(const config::Config& config, const CheckConfigArgs& args, std::ostream& out);

}  // namespace ar::app
