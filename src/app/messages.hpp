#pragma once
// What the service tells its operator about its parts' state: the lines a change of state
// prints, in one place, so that each part reports through a callback and says nothing itself.
#include <chrono>
#include <cstddef>
#include <string_view>

#include "ledger/writer.hpp"
#include "livekit/twirp_error.hpp"

namespace ar::app {

// Redis became reachable (`detail`: where) or unreachable (`detail`: why).
void redis_state(bool up, std::string_view detail);

// The ledger's writes work again, or failed (`detail`: why); entries wait in memory meanwhile.
void ledger_state(bool ok, std::string_view detail);

// Retention could not delete old sessions; tried again in an hour.
void ledger_prune_failed(std::string_view detail);

// What a run of retention deleted, in how many transactions, how long it took (writes between
// them included) and its longest step; not said when it deleted none.
void ledger_pruned(const ledger::PruneReport& run);

// The ledger's file is rebuilt once so that retention gives space back (ledger::Rebuild): begins,
// done, failed or interrupted by the stop; `path` is the file.
void ledger_rebuilt(std::string_view path, ledger::Rebuild what, std::chrono::milliseconds took,
                    std::string_view error);

// What a spill file of the last stop held, now written first.
void ledger_replayed(std::size_t entries, std::size_t unreadable, std::string_view error);

// What was left queued at a stop, because the store did not answer.
void ledger_spilled(std::size_t entries, std::string_view error);

// The ledger's file was deleted or replaced while the service ran (`what` became of it): a new
// one is made at `path` and written on.
void ledger_file_gone(std::string_view path, std::string_view what);

// An `auto` process learnt which call starts recordings ("unified" StartEgress or "legacy"
// StartRoomCompositeEgress) from `answer`, StartEgress's.
void egress_api_chosen(std::string_view api, const livekit::TwirpReply& answer);

}  // namespace ar::app
