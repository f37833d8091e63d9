#pragma once
// The ledger's settings: where it is kept, and for how long.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "ledger/outbox.hpp"

namespace ar::ledger {

struct Settings {
  bool enabled = true;             // `ledger: off` turns it off
  std::string path = "ledger.db";  // SQLite file; relative to the working directory
  bool path_set = false;           // named by the operator, not the default
  std::string postgres_url;        // PostgreSQL instead of the file (several replicas); secret
  std::string spill_path;          // entries not written at a stop; empty: spill_file()'s default
  std::chrono::milliseconds retention{std::chrono::hours(24 * 400)};
  // The API's reads: how many run at once, each on its own connection, and how long a query may
  // run before it is stopped (503).
  std::size_t readers = 4;
  std::chrono::milliseconds query_timeout{std::chrono::seconds(5)};
  // What the notification endpoints want written to the outbox (notify/settings.hpp); none:
  // nothing is.
  std::vector<Subscription> subscriptions{};

  // Where entries not written at a stop wait for the next start: beside the SQLite file, or in
  // the working directory (a pod's emptyDir in the manifests) for PostgreSQL.
  std::string spill_file() const {
    if (!spill_path.empty()) return spill_path;
    return postgres_url.empty() ? path + ".spill" : "ledger.spill";
  }

  // The setting that names where the ledger is, for messages: "ledger.path (LEDGER_PATH)".
  std::string setting() const {
    return postgres_url.empty() ? "ledger.path (LEDGER_PATH)"
                                : "ledger.postgres_url (LEDGER_POSTGRES_URL)";
  }
};

}  // namespace ar::ledger
