#pragma once
// The bodies of notifications, in Standard Webhooks' shape {"type", "timestamp", "data"}
// (docs/notifications.md), made once when the outbox is written: every attempt sends the same.
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/model.hpp"
#include "ledger/outbox.hpp"

namespace ar::ledger {

// The webhook-id of the event `type` of a session (its sid) or a recording (its egress id): the
// same whichever replica writes it, so an event written twice is one.
std::string event_id(EventType type, std::string_view of);

// room_session.finished: the session as the API shows it (its metadata when asked), with why it
// has its status.
std::string session_finished_body(const Session& room, bool metadata, std::int64_t at_ms);
// recording.ended: one recording, with its files or its error, and its room.
std::string recording_ended_body(const Session& room, const Recording& r, std::int64_t at_ms);

}  // namespace ar::ledger
