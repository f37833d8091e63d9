#pragma once
// What LiveKit reports of an egress, as the ledger keeps it.
#include "ledger/entry.hpp"
#include "livekit/egress_info.hpp"
#include "livekit/participants.hpp"
#include "recording/recording.hpp"

namespace ar::recorder {

// What the ledger keeps: the kinds this service records (room composites, participants' and
// tracks'), whoever started them.
bool ledger_keeps(const livekit::EgressInfo& egress);

// A recording the ledger keeps, with its results.
ledger::EgressReported reported(const livekit::EgressInfo& egress);

// What a rule records, as the ledger keeps it (Session::asked): recording kind names,
// "room_composite,participant,track"; empty for a rule that records nothing.
std::string asked_kinds(const recording::Plan* plan);

// A participant or track as the ledger names it, boxed for its entries.
std::shared_ptr<const ledger::Subject> ledger_subject(const livekit::Subject& subject);

}  // namespace ar::recorder
