#pragma once
// The ledger API's query strings, read into the ledger's terms: what each parameter means and
// the 400 a wrong one gets, naming it (docs/ledger.md). Pure functions, apart from any store.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/store.hpp"
#include "util/result.hpp"

namespace ar::server {

// "<started_ms>:<sid>": where the next page begins, as the API hands it out.
std::string page_token(const ledger::PageAfter& after);
util::Result<ledger::PageAfter> parse_page_token(std::string_view token);

// How much of each room's metadata a list with fields=metadata shows; a room's own page
// (/v1/rooms/{sid}) shows all of it.
inline constexpr std::size_t kListMetadataCap = std::size_t{64} << 10;

// GET /v1/rooms's query string (without the '?'); durations count back from `now_ms`. The error
// is the 400's text: "query parameter limit: must be a number from 1 to 1000".
util::Result<ledger::Query> parse_rooms_query(std::string_view text, std::int64_t now_ms);

// GET /ui's query string: the one status the page shows, or none for all.
util::Result<std::optional<ledger::Status>> parse_ui_query(std::string_view text);

}  // namespace ar::server
