#pragma once
// What LiveKit reports of an egress, as the ledger keeps it.
#include "ledger/entry.hpp"
#include "livekit/egress_info.hpp"

namespace ar::recorder {

// A recording of the room (room composite or template egress) with its results.
ledger::EgressReported reported(const livekit::EgressInfo& egress);

}  // namespace ar::recorder
