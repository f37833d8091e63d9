#include "app/ledger_setup.hpp"

#include "app/messages.hpp"
#include "ledger/connecting_store.hpp"
#include "ledger/open.hpp"
#include "ledger/spill.hpp"
#include "ledger/sqlite_database.hpp"
#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::app {
namespace {

// PostgreSQL that does not answer at startup (a failover, a drain during an outage) is an
// outage, not a fault: the recorder starts, and the writer queues until the store opens. One
// that answers no (a wrong password, an unknown database, a newer schema) stops the start.
std::unique_ptr<ledger::Store> open_ledger_store(const ledger::Settings& settings) {
  try {
    return ledger::open_store(settings, ledger::Access::kWrite);
  } catch (const ledger::StoreUnreachable& e) {
    if (settings.postgres_url.empty()) throw;
    log::warn(
        "ledger: PostgreSQL does not answer; the recorder starts without it, and what the ledger "
        "is told waits in memory until it does",
        {{"error", e.what()}});
    return std::make_unique<ledger::ConnectingStore>(
        [settings] { return ledger::open_store(settings, ledger::Access::kWrite); },
        std::chrono::seconds(2));
  }
}

// A SQLite file deleted or replaced while the service runs is made anew at its path (PostgreSQL
// has no file to lose).
std::function<std::unique_ptr<ledger::Store>()> reopen_ledger_file(
    const ledger::Settings& settings) {
  if (!settings.postgres_url.empty()) return nullptr;
  return [settings] {
    ledger::drop_write_ahead_log(settings.path);  // the gone file's, closed already
    return ledger::open_store(settings, ledger::Access::kWrite);
  };
}

}  // namespace

std::unique_ptr<ledger::Writer> open_ledger(const ledger::Settings& settings,
                                            std::function<void()> on_ended) {
  if (!settings.enabled) return nullptr;
  if (const auto spillable = ledger::can_spill(settings.spill_file()); !spillable) {
    log::warn(
        "ledger: entries still unwritten at a stop cannot be kept for the next start here; set "
        "ledger.spill_path (LEDGER_SPILL_PATH) to a file in a writable directory",
        {{"error", spillable.error()}});
  }
  try {
    auto store = open_ledger_store(settings);
    if (!store->finds_names_within()) {
      log::warn(
          "ledger: PostgreSQL has no trigram index of room names (the ledger's role may not "
          "create the pg_trgm extension): a name glob without a literal prefix reads the whole "
          "window; docs/ledger.md says how to add it",
          {});
    }
    return std::make_unique<ledger::Writer>(
        std::move(store),
        ledger::WriterOptions{
            .retention = settings.retention,
            .on_state = ledger_state,
            .on_prune_error = ledger_prune_failed,
            .on_pruned = ledger_pruned,
            .on_rebuild = [path = settings.path](
                              ledger::Rebuild what, std::chrono::milliseconds took,
                              std::string_view error) { ledger_rebuilt(path, what, took, error); },
            .on_ended =
                [on_ended = std::move(on_ended)](ledger::Status status) {
                  metrics::room_session_ended(status);
                  if (on_ended) on_ended();
                },
            .spill_path = settings.spill_file(),
            .on_replay = ledger_replayed,
            .on_spill = ledger_spilled,
            .reopen = reopen_ledger_file(settings),
            .on_file_gone =
                [path = settings.path](std::string_view what) { ledger_file_gone(path, what); }});
  } catch (const ledger::StoreError& e) {
    if (settings.path_set || !settings.postgres_url.empty()) {
      throw StartupError(settings.setting() + " " + e.what());
    }
    log::warn(
        "ledger off: its default file cannot be opened here; set ledger.path (LEDGER_PATH) to a "
        "file on a writable volume, or ledger: off to silence this",
        {{"error", e.what()}});
    return nullptr;
  }
}

// The API reads the ledger on threads and connections of its own: it never blocks the writer,
// nor the threads that answer webhooks. The first connection is opened here, so that a ledger
// the API cannot read fails the start.
std::unique_ptr<ledger::Readers> open_ledger_readers(const config::Config& config, bool writing) {
  if (!writing || config.api_token.empty()) return nullptr;
  const ledger::Settings& settings = config.ledger;
  auto open = [&settings] {
    return ledger::open_store(settings, ledger::Access::kRead, settings.query_timeout);
  };
  const ledger::ReadersOptions options{.threads = settings.readers};
  if (!settings.postgres_url.empty()) {
    // The writer checked the server already. A reader connects at its first read, at most every
    // 2 s while the server does not answer (or the writer has not made the tables yet): a read
    // meanwhile gets 503 at once instead of waiting out a connect timeout.
    auto connecting = [open]() -> std::unique_ptr<ledger::Store> {
      return std::make_unique<ledger::ConnectingStore>(open, std::chrono::seconds(2));
    };
    return std::make_unique<ledger::Readers>(connecting, connecting(), options);
  }
  try {
    return std::make_unique<ledger::Readers>(open, open(), options);
  } catch (const ledger::StoreError& e) {
    throw StartupError(settings.setting() + " " + e.what());
  }
}

}  // namespace ar::app
