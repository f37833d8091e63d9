#pragma once
// `auto-recorder report`: the audit from the command line. Reads the ledger the service writes
// (it may be running) and prints the room sessions of a window. Exit codes for cron jobs and CI
// gates: 0 when no session in the window is unrecorded or partial, 3 when some are, 1 on error.
#include <iosfwd>
#include <string>

#include "ledger/settings.hpp"

namespace ar::report {

struct ReportArgs {
  std::string since = "24h";     // RFC 3339, or a duration back from now ("7d", "24h")
  std::string until;             // the same; empty: now
  std::string status;            // one status, or empty for all
  std::string name;              // a glob over room names, or empty
  std::string format = "table";  // table, json or csv
};

inline constexpr int kReportClean = 0;
inline constexpr int kReportError = 1;
inline constexpr int kReportGaps = 3;

int report(const ledger::Settings& settings, const ReportArgs& args, std::ostream& out,
           std::ostream& err);

}  // namespace ar::report
