#pragma once
// `auto-recorder ledger backup FILE`: a consistent copy of the SQLite ledger while the service
// runs (ledger/backup.hpp). Exit 0 with the copy's size, or 1 with the reason.
#include <iosfwd>
#include <string>

#include "ledger/settings.hpp"

namespace ar::report {

int backup(const ledger::Settings& settings, const std::string& file, std::ostream& out,
           std::ostream& err);

}  // namespace ar::report
