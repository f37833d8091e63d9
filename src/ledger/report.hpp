#pragma once
// The ledger shown: as JSON in the API's shape ({"rooms": [...]}), as CSV, or as a table for
// people. Also the time arguments of `report` and the API: RFC 3339, or a duration back from now.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/model.hpp"

namespace ar::ledger {

// "2026-11-30T14:05:09Z" (UTC, to the second; milliseconds when there are any).
std::string rfc3339(std::int64_t ms);

// "2026-11-30T14:05:09Z", "2026-11-30T15:05:09+01:00", "24h", "90m", "7d" (days): the time in ms
// since the epoch; nullopt for anything else. Durations count back from `now_ms`.
std::optional<std::int64_t> parse_time(std::string_view text, std::int64_t now_ms);

// The start delay as people read it: "0.9s", or "-" before any recording started.
std::string delay_text(const Room& room);

std::string rooms_json(const std::vector<Room>& rooms);
// {"rooms": [...], "next_page_token": "..."}: a page of the API.
std::string page_json(const std::vector<Room>& rooms, std::string_view next_page_token);
std::string room_json(const Room& room);
std::string rooms_csv(const std::vector<Room>& rooms);
std::string rooms_table(const std::vector<Room>& rooms);

}  // namespace ar::ledger
