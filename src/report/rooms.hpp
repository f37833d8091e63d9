#pragma once
// The ledger shown: as JSON in the API's shape ({"rooms": [...]}), as CSV, or as a table for
// people. Also the time arguments of `report` and the API: RFC 3339, or a duration back from now.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/model.hpp"
#include "util/result.hpp"
#include "util/wall_clock.hpp"

namespace ar::report {

using ledger::Session;

// "2026-11-30T14:05:09Z" (UTC, to the second; milliseconds when there are any).
using util::rfc3339;

// "2026-11-30T14:05:09Z", "2026-11-30T15:05:09+01:00", "24h", "90m", "7d" (days): the time in ms
// since the epoch. Durations count back from `now_ms`. Anything else: what is wrong, when it is
// more than the shape (an offset or a date out of range), and what to write.
util::Result<std::int64_t> parse_time(std::string_view text, std::int64_t now_ms);

// The start delay as people read it: "0.9s", or "-" before any recording started.
std::string delay_text(const Session& room);

// Writes rooms in one format as they come (`report` reads the ledger a page at a time), so that
// memory does not grow with the window: begin, each room, end.
class RoomWriter {
 public:
  explicit RoomWriter(std::ostream& out) : out_(out) {}
  RoomWriter(const RoomWriter&) = delete;
  RoomWriter& operator=(const RoomWriter&) = delete;
  virtual ~RoomWriter() = default;
  virtual void begin() {}
  virtual void room(const Session& room) = 0;
  virtual void end() {}

 protected:
  std::ostream& out_;
};
// "table", "json" or "csv"; nullptr for another name.
std::unique_ptr<RoomWriter> room_writer(std::string_view format, std::ostream& out);

// How a room's metadata is shown: left out (a list that did not ask), whole (one room, the
// report), or as much as a list read of it (ledger::Query::metadata_cap), with its length in
// bytes and whether it was cut.
enum class Metadata { kLeftOut, kWhole, kCut };
// The way to show what `metadata_cap` read.
Metadata metadata_read(std::size_t metadata_cap);

std::string rooms_json(const std::vector<Session>& rooms);
// {"rooms": [...], "next_page_token": "..."}: a page of the API.
std::string page_json(const std::vector<Session>& rooms, std::string_view next_page_token,
                      Metadata metadata);
// One session, with its notifications and their delivery state (GET /v1/rooms/{sid}).
std::string room_json(const Session& room);
std::string rooms_csv(const std::vector<Session>& rooms);
std::string rooms_table(const std::vector<Session>& rooms);

}  // namespace ar::report
