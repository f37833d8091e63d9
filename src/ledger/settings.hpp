#pragma once
// The ledger's settings: where it is kept, and for how long.
#include <chrono>
#include <string>

namespace ar::ledger {

struct Settings {
  bool enabled = true;             // `ledger: off` turns it off
  std::string path = "ledger.db";  // SQLite file; relative to the working directory
  bool path_set = false;           // named by the operator, not the default
  std::chrono::milliseconds retention{std::chrono::hours(24 * 400)};
};

}  // namespace ar::ledger
