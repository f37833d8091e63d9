#pragma once
// A session and its recordings as JSON, one shape everywhere the ledger is shown or told: the API
// and `report --format json` (report/rooms.hpp), and the bodies of notifications
// (ledger/notification_json.hpp).
#include <boost/json/fwd.hpp>
#include <cstdint>

#include "ledger/model.hpp"

namespace ar::ledger {

// RFC 3339, or null for 0 (not known).
boost::json::value time_json(std::int64_t ms);
boost::json::object recording_to_json(const Recording& r);
// The session without its metadata: `metadata` (empty, or the fields that show it) goes after
// learned_from.
boost::json::object session_to_json(const Session& room, const boost::json::object& metadata);
// A notification and how its delivery goes (its body left out).
boost::json::object notification_to_json(const Notification& n);

}  // namespace ar::ledger
