#include "report/backup.hpp"

#include <ostream>

#include "ledger/backup.hpp"
#include "ledger/open.hpp"
#include "ledger/store.hpp"
#include "report/command.hpp"

namespace ar::report {

int backup(const ledger::Settings& settings, const std::string& file, std::ostream& out,
           std::ostream& err) {
  if (!settings.enabled) {
    err << "auto-recorder ledger backup: the ledger is off (ledger: off, or redis: without "
           "ledger.postgres_url): there is nothing to back up\n";
    return kReportError;
  }
  try {
    const std::uintmax_t bytes = ledger::backup(settings, file);
    out << "backed up " << ledger::where(settings) << " to " << file << " (" << bytes
        << " bytes)\n";
    return kReportClean;
  } catch (const ledger::StoreError& e) {
    err << "auto-recorder ledger backup: " << settings.setting() << " " << e.what() << "\n";
    return kReportError;
  }
}

}  // namespace ar::report
