#pragma once
// The ledger's door for secrets: every text it stores or shows that came from LiveKit, its callers
// or the configuration (names, metadata, rules, errors, file locations) loses the passwords of its
// URLs as the log lines do (util/redact.hpp). Entries are redacted before they are queued (so the
// spill file never holds one either), sessions again as they are read (rows written by an older
// version are not rewritten, but never shown whole).
#include "ledger/entry.hpp"
#include "ledger/model.hpp"

namespace ar::ledger {

void redact(Entry& entry);
void redact(Session& room);

}  // namespace ar::ledger
