#include "app/messages.hpp"

#include <string>

#include "telemetry/log.hpp"

namespace ar::app {

void redis_state(bool up, std::string_view detail) {
  if (up) {
    log::info("Redis reachable: replicas coordinate through claims", {{"redis", detail}});
    return;
  }
  log::warn(
      "Redis unreachable: recording continues with the ListEgress check alone; duplicate "
      "recordings are possible until it returns",
      {{"error", detail}});
}

void ledger_state(bool ok, std::string_view detail) {
  if (ok) {
    log::info("ledger writes again: catching up");
    return;
  }
  log::warn(
      "ledger write failed: entries wait in memory and are written when it works again; "
      "recording goes on",
      {{"error", detail}});
}

void ledger_prune_failed(std::string_view detail) {
  log::warn("ledger retention: old sessions could not be deleted; tried again in an hour",
            {{"error", detail}});
}

void ledger_pruned(const ledger::PruneReport& run) {
  const std::string count = std::to_string(run.sessions);
  const std::string transactions = std::to_string(run.steps);
  const std::string ms = std::to_string(run.took.count());
  const std::string longest = std::to_string(run.longest_step.count());
  log::info(
      "ledger retention: deleted the sessions older than ledger.retention",
      {{"sessions", count}, {"steps", transactions}, {"ms", ms}, {"longest_step_ms", longest}});
}

void ledger_rebuilt(std::string_view path, ledger::Rebuild what, std::chrono::milliseconds took,
                    std::string_view error) {
  const std::string ms = std::to_string(took.count());
  switch (what) {
    case ledger::Rebuild::kBegins:
      return log::info(
          "ledger: rebuilding the file once (VACUUM), so that retention gives space back to the "
          "file system; entries wait in memory until it is done (about 10 s per GB on a fast disk)",
          {{"path", path}});
    case ledger::Rebuild::kDone:
      return log::info("ledger: file rebuilt; retention gives space back from now on",
                       {{"path", path}, {"ms", ms}});
    case ledger::Rebuild::kFailed:
      return log::warn(
          "ledger: the file could not be rebuilt (it needs free space of twice its size); "
          "retention "
          "keeps freed space for reuse without shrinking the file; tried again at the next start",
          {{"path", path}, {"ms", ms}, {"error", error}});
    case ledger::Rebuild::kStopped:
      return log::info(
          "ledger: rebuilding the file stopped with the service; tried again at the "
          "next start",
          {{"path", path}, {"ms", ms}});
  }
}

void ledger_replayed(std::size_t entries, std::size_t unreadable, std::string_view error) {
  const std::string count = std::to_string(entries);
  const std::string bad = std::to_string(unreadable);
  if (!error.empty()) {
    log::error("ledger: the spill file of the last stop cannot be read; its entries are lost",
               {{"error", error}});
  } else if (unreadable > 0) {
    log::error("ledger: lines of the spill file of the last stop are not entries and are lost",
               {{"entries", count}, {"lost", bad}});
  }
  if (entries > 0) {
    log::info("ledger: writing what the last stop could not, before anything new",
              {{"entries", count}});
  }
}

void ledger_spilled(std::size_t entries, std::string_view error) {
  const std::string count = std::to_string(entries);
  if (error.empty()) {
    log::warn("ledger unreachable at stop: entries kept in the spill file for the next start",
              {{"entries", count}});
    return;
  }
  log::error("ledger unreachable at stop and the spill file cannot be written: entries lost",
             {{"lost", count}, {"error", error}});
}

void ledger_file_gone(std::string_view path, std::string_view what) {
  log::error(
      "ledger file deleted or replaced while the service runs: what came before is gone with it; "
      "a new file is made at its path and everything from now on is written there",
      {{"path", path}, {"what", what}});
}

void egress_api_chosen(std::string_view api, const livekit::TwirpReply& answer) {
  const std::string status = std::to_string(answer.http_status);
  const std::string_view code = answer.ok() ? std::string_view("ok") : answer.code;
  log::info(api == "unified" ? "egress API: LiveKit has the unified StartEgress; recordings start "
                               "with it from now on"
                             : "egress API: LiveKit has no unified StartEgress; recordings start "
                               "with StartRoomCompositeEgress from now on",
            {{"egress_api", api}, {"status", status}, {"code", code}});
}

}  // namespace ar::app
