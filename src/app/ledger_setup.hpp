#pragma once
// The ledger as the service opens it: its writer (SQLite or PostgreSQL, a PostgreSQL that does not
// answer yet, a SQLite file made anew when it is deleted) and the API's readers.
#include <memory>
#include <stdexcept>

#include "config/config.hpp"
#include "ledger/readers.hpp"
#include "ledger/writer.hpp"

namespace ar::app {

// Start-up cannot go on; its message is logged as it is.
struct StartupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The ledger's writer; null when it is off, or when its default file cannot be opened here (a
// warning: the operator did not ask for that file). Throws StartupError for a ledger the
// operator named that cannot be used.
// `on_ended` is told of each session that ended (the outbox has its notification).
std::unique_ptr<ledger::Writer> open_ledger(const ledger::Settings& settings,
                                            std::function<void()> on_ended);

// The API's readers; null without the API or the ledger. Throws StartupError.
std::unique_ptr<ledger::Readers> open_ledger_readers(const config::Config& config, bool writing);

}  // namespace ar::app
