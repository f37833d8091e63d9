#pragma once
// The ledger as a page for people (GET /ui): server-rendered HTML without JavaScript. A count
// per status at the top, each a link that filters by it; then one row per room session: status
// colour, start delay, a bar of the room's life with the part each recording covered, and links
// to the files.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/model.hpp"
#include "ledger/store.hpp"

namespace ar::report {

using ledger::Session;
using ledger::Status;

struct HtmlPage {
  std::vector<Session> rooms;     // the sessions shown: of `showing`, newest first
  ledger::Counts counts;          // the whole window's sessions of each status, whatever is shown
  std::optional<Status> showing;  // the status filter; nullopt: all
  std::int64_t now_ms = 0;        // the end of the bar of rooms that still live
  std::string window = "24h";     // what the page covers, in words for the title
  bool truncated = false;         // more sessions of `showing` in the window than `rooms` holds
};

std::string rooms_html(const HtmlPage& page);

// `text` safe inside HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace ar::report
