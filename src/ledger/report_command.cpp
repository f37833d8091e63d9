#include "ledger/report_command.hpp"

#include <algorithm>
#include <limits>
#include <ostream>

#include "ledger/open.hpp"
#include "ledger/report.hpp"

namespace ar::ledger {

int report(const Settings& settings, const ReportArgs& args, std::ostream& out, std::ostream& err) {
  if (!settings.enabled) {
    err << "auto-recorder report: the ledger is off (ledger: off, or redis: with several "
           "replicas): there is nothing to report\n";
    return kReportError;
  }
  const std::int64_t now = now_ms();
  Query query;
  const auto since = parse_time(args.since, now);
  const auto until = args.until.empty() ? std::optional(std::numeric_limits<std::int64_t>::max())
                                        : parse_time(args.until, now);
  if (!since || !until) {
    err << "auto-recorder report: --" << (since ? "until" : "since") << " \""
        << (since ? args.until : args.since)
        << "\" is not a time: write RFC 3339 (2026-11-30T08:00:00Z) or a duration back from "
           "now (24h, 7d)\n";
    return kReportError;
  }
  query.since_ms = *since;
  query.until_ms = *until;
  if (!args.status.empty()) {
    Status status{};
    if (!status_named(args.status, status)) {
      err << "auto-recorder report: --status \"" << args.status
          << "\" is not a status: " << status_names() << "\n";
      return kReportError;
    }
    query.status = status;
  }
  if (args.format != "table" && args.format != "json" && args.format != "csv") {
    err << "auto-recorder report: --format \"" << args.format << "\" is not table, json or csv\n";
    return kReportError;
  }
  query.name_glob = args.name;
  query.limit = 1000;
  std::vector<Room> rooms;
  try {
    const auto store = open_store(settings, Access::kRead);
    for (;;) {
      Page page = store->rooms(query);
      std::move(page.rooms.begin(), page.rooms.end(), std::back_inserter(rooms));
      if (page.next_page_token.empty()) break;
      query.page_token = page.next_page_token;
    }
  } catch (const StoreError& e) {
    err << "auto-recorder report: " << settings.setting() << " " << e.what() << "\n";
    return kReportError;
  }
  if (args.format == "json") {
    out << rooms_json(rooms) << "\n";
  } else if (args.format == "csv") {
    out << rooms_csv(rooms);
  } else {
    out << rooms_table(rooms);
  }
  const bool gaps = std::any_of(rooms.begin(), rooms.end(), [](const Room& room) {
    return room.status == Status::kUnrecorded || room.status == Status::kPartial;
  });
  return gaps ? kReportGaps : kReportClean;
}

}  // namespace ar::ledger
