#pragma once
// `auto-recorder notify resend --since 1h [--status S] [--endpoint E]`: makes the notifications
// created in the window due again (ledger/outbox.hpp), for the operator who fixed a receiver. The
// running service sends them, with their webhook-id, within a second. Exit 0 with how many, or 1
// with the reason.
#include <iosfwd>
#include <string>

#include "ledger/settings.hpp"

namespace ar::report {

struct ResendArgs {
  std::string since = "1h";  // RFC 3339, or a duration back from now
  std::string status;        // of the session; empty: any
  std::string endpoint;      // its name; empty: every endpoint
};

int resend(const ledger::Settings& settings, const ResendArgs& args, std::ostream& out,
           std::ostream& err);

}  // namespace ar::report
