#include "report/rooms.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <ostream>
#include <sstream>

#include "ledger/session_json.hpp"
#include "ledger/store.hpp"
#include "util/duration.hpp"
#include "util/printable.hpp"
#include "util/wall_clock.hpp"

namespace ar::report {

using ledger::File;
using ledger::Recording;
namespace {

namespace json = boost::json;

json::object room_object(const Session& room, Metadata metadata = Metadata::kWhole) {
  json::object shown;
  if (metadata != Metadata::kLeftOut) shown.emplace("metadata", room.metadata);
  if (metadata == Metadata::kCut) {
    shown.emplace("metadata_truncated", room.metadata_bytes > room.metadata.size());
    shown.emplace("metadata_bytes", room.metadata_bytes);
  }
  return ledger::session_to_json(room, shown);
}

// A text cell: control characters escaped as in the table (so a line break never forges a row
// and cat -v shows nothing raw); a cell a spreadsheet would read as a formula (=, +, -, @) made
// text by a leading apostrophe, as OWASP advises against CSV injection; then RFC 4180: a field
// with a comma, a quote or the apostrophe guard is quoted, its quotes doubled.
std::string csv_field(std::string_view text) {
  std::string cell;
  if (!text.empty() && std::string_view("=+-@").find(text.front()) != std::string_view::npos) {
    cell += '\'';
  }
  util::append_printable(cell, text);
  if (cell.find_first_of(",\"'") == std::string::npos) return cell;
  std::string out = "\"";
  for (const char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The room composite's first file, else the first participant's or track's.
std::string first_location(const Session& room) {
  for (const model::RecordingKind kind : model::kRecordedKinds) {
    for (const Recording& r : room.recordings) {
      if (r.kind != kind) continue;
      for (const File& f : r.files) {
        if (!f.location.empty()) return f.location;
      }
      if (!r.playlist_location.empty()) return r.playlist_location;
    }
  }
  return "";
}

std::size_t count_of(const Session& room, model::RecordingKind kind) {
  return static_cast<std::size_t>(
      std::count_if(room.recordings.begin(), room.recordings.end(),
                    [kind](const Recording& r) { return r.kind == kind; }));
}

// Pads to `width` characters (UTF-8 continuation bytes take no column), and at least one space
// past a longer text, so that columns never run together.
std::string pad(std::string text, std::size_t width) {
  const auto columns = static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
  text.append(columns < width ? width - columns : 1, ' ');
  return text;
}

}  // namespace

std::string delay_text(const Session& room) {
  const double delay = start_delay_seconds(room);
  if (delay < 0) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1fs", delay);
  return buffer;
}

namespace {

util::Error not_a_time(std::string_view why = {}) {
  constexpr std::string_view kWrite =
      "write RFC 3339 (2026-11-30T08:00:00Z) or a duration back from now (24h, 7d)";
  if (why.empty()) return {std::string(kWrite)};
  return {std::string(why) + ": " + std::string(kWrite)};
}

}  // namespace

util::Result<std::int64_t> parse_time(std::string_view text, std::int64_t now_ms) {
  if (text.size() > 1 && text.back() == 'd') {
    std::int64_t days = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, days);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && days > 36500)) {
      return not_a_time("more than 36500 days back");
    }
    if (ec != std::errc() || end != text.data() + text.size() - 1 || days < 0) {
      return not_a_time();
    }
    return now_ms - days * 24 * 3600 * 1000;
  }
  if (const auto back = util::parse_duration(text)) return now_ms - back->count();
  // RFC 3339: 2026-11-30T14:05:09[.123](Z|+01:00)
  int y = 0;
  unsigned mo = 0;
  unsigned d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  int consumed = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2u%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s,
                  &consumed) != 6) {
    return not_a_time();
  }
  std::string_view rest = text.substr(static_cast<std::size_t>(consumed));
  std::int64_t millis = 0;
  if (rest.starts_with('.')) {
    std::size_t digits = 1;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    const std::string fraction = std::string(rest.substr(1, digits - 1)) + "000";
    millis = std::stoll(fraction.substr(0, 3));
    rest.remove_prefix(digits);
  }
  std::int64_t offset_min = 0;
  if (rest == "Z" || rest == "z") {
    offset_min = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0;
    int om = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2) {
      return not_a_time();
    }
    if (oh > 23 || om > 59) return not_a_time("its UTC offset is out of range (-23:59 to +23:59)");
    offset_min = static_cast<std::int64_t>(rest[0] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return not_a_time();
  }
  using namespace std::chrono;
  const year_month_day date{year(y), month(mo), day(d)};
  if (!date.ok()) return not_a_time("there is no such date");
  if (h > 23 || mi > 59 || s > 60) return not_a_time("there is no such time of day");
  const auto at = sys_days(date) + hours(h) + minutes(mi) + seconds(s) + milliseconds(millis) -
                  minutes(offset_min);
  return util::unix_ms(at);
}

namespace {

class JsonWriter final : public RoomWriter {
 public:
  using RoomWriter::RoomWriter;
  void begin() override { out_ << "{\"rooms\":["; }
  void room(const Session& room) override {
    out_ << (first_ ? "" : ",") << json::serialize(room_object(room));
    first_ = false;
  }
  void end() override { out_ << "]}\n"; }

 private:
  bool first_ = true;
};

class CsvWriter final : public RoomWriter {
 public:
  using RoomWriter::RoomWriter;
  void begin() override {
    out_ << "sid,name,status,started_at,finished_at,rule,start_delay_seconds,recordings,location,"
            "start_error,participant_recordings,track_recordings,missing\n";
  }
  void room(const Session& room) override {
    const double delay = start_delay_seconds(room);
    out_ << csv_field(room.sid) << "," << csv_field(room.name) << "," << to_string(room.status)
         << "," << (room.started_ms ? rfc3339(room.started_ms) : "") << ","
         << (room.finished_ms ? rfc3339(room.finished_ms) : "") << "," << csv_field(room.rule)
         << "," << (delay < 0 ? "" : std::to_string(delay)) << "," << room.recordings.size() << ","
         << csv_field(first_location(room)) << "," << csv_field(room.start_error) << ","
         << count_of(room, model::RecordingKind::kParticipant) << ","
         << count_of(room, model::RecordingKind::kTrack) << "," << room.missing.size() << "\n";
  }
};

// Columns padded to fixed widths, so rows are printed as they come; the counts close it.
class TableWriter final : public RoomWriter {
 public:
  using RoomWriter::RoomWriter;
  void begin() override {
    out_ << pad("STARTED (UTC)", 26) << pad("STATUS", 12) << pad("DELAY", 8) << pad("ROOM", 28)
         << "FILE / WHY\n";
  }
  void room(const Session& room) override {
    ++counts_[to_string(room.status)];
    ++total_;
    std::string why = first_location(room);
    if (why.empty()) why = room.start_error.empty() ? room.rule : room.start_error;
    // Names and errors come from LiveKit and its callers: escaped, so no row can clear the
    // screen, set the terminal's title or forge another row.
    out_ << pad(room.started_ms ? rfc3339(room.started_ms) : "-", 26)
         << pad(std::string(to_string(room.status)), 12) << pad(delay_text(room), 8)
         << pad(util::printable(room.name), 28) << util::printable(why) << "\n";
  }
  void end() override {
    out_ << total_ << " room session(s)";
    for (const auto& [status, count] : counts_) out_ << ", " << count << " " << status;
    out_ << "\n";
  }

 private:
  std::map<std::string_view, std::size_t> counts_;
  std::size_t total_ = 0;
};

std::string written(std::string_view format, const std::vector<Session>& rooms) {
  std::ostringstream out;
  const auto writer = room_writer(format, out);
  writer->begin();
  for (const Session& room : rooms) writer->room(room);
  writer->end();
  return out.str();
}

}  // namespace

std::unique_ptr<RoomWriter> room_writer(std::string_view format, std::ostream& out) {
  if (format == "json") return std::make_unique<JsonWriter>(out);
  if (format == "csv") return std::make_unique<CsvWriter>(out);
  if (format == "table") return std::make_unique<TableWriter>(out);
  return nullptr;
}

std::string rooms_json(const std::vector<Session>& rooms) {
  std::string text = written("json", rooms);
  text.pop_back();  // the newline a report ends with
  return text;
}

Metadata metadata_read(std::size_t metadata_cap) {
  if (metadata_cap == 0) return Metadata::kLeftOut;
  return metadata_cap == ledger::Query::kWholeMetadata ? Metadata::kWhole : Metadata::kCut;
}

// Room by room, so that only the answer itself is held whole, never a tree of it as well.
std::string page_json(const std::vector<Session>& rooms, std::string_view next_page_token,
                      Metadata metadata) {
  std::string out = R"({"rooms":[)";
  for (const Session& room : rooms) {
    if (&room != &rooms.front()) out += ',';
    out += json::serialize(room_object(room, metadata));
  }
  return out + R"(],"next_page_token":)" + json::serialize(json::string(next_page_token)) + "}";
}

std::string room_json(const Session& room) {
  json::object out = room_object(room);
  json::array notifications;
  for (const ledger::Notification& n : room.notifications) {
    notifications.push_back(ledger::notification_to_json(n));
  }
  out.emplace("notifications", std::move(notifications));
  return json::serialize(out);
}

std::string rooms_csv(const std::vector<Session>& rooms) {
  return written("csv", rooms);
}

std::string rooms_table(const std::vector<Session>& rooms) {
  return written("table", rooms);
}

}  // namespace ar::report
