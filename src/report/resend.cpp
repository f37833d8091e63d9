#include "report/resend.hpp"

#include <ostream>

#include "ledger/open.hpp"
#include "report/rooms.hpp"
#include "util/wall_clock.hpp"

namespace ar::report {

int resend(const ledger::Settings& settings, const ResendArgs& args, std::ostream& out,
           std::ostream& err) {
  constexpr const char* kPrefix = "auto-recorder notify resend: ";
  if (!settings.enabled) {
    err << kPrefix << "the ledger is off (ledger: off): it keeps no notifications\n";
    return 1;
  }
  const std::int64_t now = util::unix_ms_now();
  const auto since = parse_time(args.since, now);
  if (!since) {
    err << kPrefix << "--since \"" << args.since << "\" is not a time: " << since.error() << "\n";
    return 1;
  }
  std::optional<model::SessionStatus> status;
  if (!args.status.empty()) {
    status = model::kSessionStatusNames.named(args.status);
    if (!status) {
      err << kPrefix << "--status \"" << args.status
          << "\" is not a status: " << model::kSessionStatusNames.listed() << "\n";
      return 1;
    }
  }
  try {
    const std::size_t due =
        ledger::open_outbox(settings)->resend(*since, status, args.endpoint, now);
    out << due << (due == 1 ? " notification" : " notifications") << " created since "
        << rfc3339(*since) << " due again; the running service sends them within a second\n";
    return 0;
  } catch (const ledger::StoreError& e) {
    err << kPrefix << settings.setting() << " " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ar::report
