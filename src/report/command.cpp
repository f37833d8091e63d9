#include "report/command.hpp"

#include <cerrno>
#include <limits>
#include <ostream>
#include <system_error>

#include "ledger/open.hpp"
#include "report/rooms.hpp"
#include "util/wall_clock.hpp"

namespace ar::report {

using ledger::Access;
using ledger::Page;
using ledger::Query;
using ledger::Status;
using ledger::StoreError;
namespace {

constexpr const char* kPrefix = "auto-recorder report: ";
// Sessions read at once: memory stays the same whatever the window (docs/ledger.md).
constexpr std::size_t kPage = 500;

// A time argument, or the message that says what is wrong with it.
std::optional<std::int64_t> time_argument(std::string_view flag, const std::string& text,
                                          std::int64_t now, std::ostream& err) {
  const auto at = parse_time(text, now);
  if (!at) {
    err << kPrefix << "--" << flag << " \"" << text << "\" is not a time: " << at.error() << "\n";
    return std::nullopt;
  }
  return *at;
}

// The window and filters of the arguments; nullopt after saying what is wrong.
std::optional<Query> query_of(const ReportArgs& args, std::ostream& err) {
  const std::int64_t now = util::unix_ms_now();
  Query query;
  const auto since = time_argument("since", args.since, now, err);
  if (!since) return std::nullopt;
  query.since_ms = *since;
  // Without --until the window stays open: a clock behind LiveKit's stamps sessions "later".
  if (args.until.empty()) {
    query.until_ms = std::numeric_limits<std::int64_t>::max();
  } else {
    const auto until = time_argument("until", args.until, now, err);
    if (!until) return std::nullopt;
    query.until_ms = *until;
  }
  if (query.until_ms < query.since_ms) {
    err << kPrefix << "--until (" << rfc3339(query.until_ms) << ") is earlier than --since ("
        << rfc3339(query.since_ms) << "): swap them\n";
    return std::nullopt;
  }
  if (query.until_ms == query.since_ms) {
    err << kPrefix << "the window from --since to --until is empty (both "
        << rfc3339(query.since_ms) << "): nothing can be in it\n";
    return std::nullopt;
  }
  if (!args.status.empty()) {
    query.status = model::kSessionStatusNames.named(args.status);
    if (!query.status) {
      err << kPrefix << "--status \"" << args.status
          << "\" is not a status: " << model::kSessionStatusNames.listed() << "\n";
      return std::nullopt;
    }
  }
  query.name_glob = args.name;
  query.limit = kPage;
  return query;
}

bool write_failed(std::ostream& out, std::ostream& err) {
  if (out) return false;
  const int error = errno;
  err << kPrefix << "cannot write the report to standard output"
      << (error != 0 ? ": " + std::generic_category().message(error) : std::string()) << "\n";
  return true;
}

}  // namespace

int report(const ledger::Settings& settings, const ReportArgs& args, std::ostream& out,
           std::ostream& err) {
  if (!settings.enabled) {
    err << kPrefix
        << "the ledger is off (ledger: off, or redis: with several replicas): there is nothing "
           "to report\n";
    return kReportError;
  }
  auto query = query_of(args, err);
  if (!query) return kReportError;
  const auto writer = room_writer(args.format, out);
  if (!writer) {
    err << kPrefix << "--format \"" << args.format << "\" is not table, json or csv\n";
    return kReportError;
  }
  // Only JSON shows the rooms' metadata: the table and CSV never read it.
  query->metadata_cap = args.format == "json" ? Query::kWholeMetadata : 0;
  bool gaps = false;
  try {
    const auto store = ledger::open_store(settings, Access::kRead);
    errno = 0;
    writer->begin();
    for (;;) {
      Page page = store->rooms(*query);
      for (const Session& room : page.rooms) {
        writer->room(room);
        gaps = gaps || room.status == Status::kUnrecorded || room.status == Status::kPartial;
      }
      if (write_failed(out, err)) return kReportError;
      if (!page.next) break;
      query->after = std::move(page.next);
    }
    writer->end();
  } catch (const StoreError& e) {
    err << kPrefix << settings.setting() << " " << e.what() << "\n";
    return kReportError;
  }
  out.flush();
  if (write_failed(out, err)) return kReportError;
  return gaps ? kReportGaps : kReportClean;
}

}  // namespace ar::report
