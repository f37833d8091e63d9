#include "server/ledger_query.hpp"

#include <algorithm>
#include <boost/url/parse_query.hpp>
#include <charconv>
#include <utility>
#include <vector>

#include "report/rooms.hpp"

namespace ar::server {
namespace {

util::Error bad_parameter(std::string_view name, std::string_view why) {
  return {"query parameter " + std::string(name) + ": " + std::string(why)};
}

// A query string's parameters, decoded, in order.
using Parameters = std::vector<std::pair<std::string, std::string>>;
util::Result<Parameters> parameters(std::string_view text) {
  if (text.data() == nullptr) text = "";  // Boost.URL reads a null view as a C string (a crash)
  const auto parsed = boost::urls::parse_query(text);
  if (!parsed) return util::Error{"the query string does not parse"};
  Parameters out;
  for (const auto& encoded : *parsed) {
    out.emplace_back(encoded.key.decode(),
                     encoded.has_value ? encoded.value.decode() : std::string());
  }
  return out;
}

// A parameter's name as an answer may repeat it: one of ours, or a short word; never arbitrary
// text of the caller's.
std::string named(std::string_view key) {
  const bool word = !key.empty() && key.size() <= 32 &&
                    key.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == std::string_view::npos;
  return word ? std::string(key) : std::string("(a name that is not a word)");
}

// Answers name the parameter, never its value.
util::Result<ledger::Status> status_parameter(std::string_view value) {
  if (const auto status = model::kSessionStatusNames.named(value)) return *status;
  return bad_parameter("status", "is not " + model::kSessionStatusNames.listed());
}

util::Result<std::int64_t> time_parameter(std::string_view name, const std::string& value,
                                          std::int64_t now_ms) {
  auto at = report::parse_time(value, now_ms);
  if (!at) return bad_parameter(name, at.error());
  return at;
}

util::Result<std::size_t> limit_parameter(std::string_view value) {
  std::size_t limit = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
  if (ec != std::errc() || end != value.data() + value.size() || limit == 0 || limit > 1000) {
    return bad_parameter("limit", "must be a number from 1 to 1000");
  }
  return limit;
}

// fields: what a list leaves out unless asked, comma-separated; metadata is the one such field.
util::Result<std::size_t> fields_parameter(std::string_view value) {
  if (value.empty()) return std::size_t{0};
  for (std::size_t at = 0; at <= value.size();) {
    const std::size_t comma = std::min(value.find(',', at), value.size());
    if (const std::string_view field = value.substr(at, comma - at); field != "metadata") {
      return bad_parameter("fields",
                           "names a field other than metadata, the one a list leaves out");
    }
    at = comma + 1;
  }
  return kListMetadataCap;
}

// since and until, once both are known: the window must not be empty.
util::Result<void> window(std::string_view since, std::string_view until, std::int64_t now_ms,
                          ledger::Query& query) {
  const auto from = time_parameter("since", std::string(since), now_ms);
  if (!from) return util::Error{from.error()};
  query.since_ms = *from;
  if (until.empty()) return {};
  const auto to = time_parameter("until", std::string(until), now_ms);
  if (!to) return util::Error{to.error()};
  query.until_ms = *to;
  if (query.until_ms <= query.since_ms) {
    return bad_parameter("until", "is not after since: the window is empty");
  }
  return {};
}

// One parameter of /v1/rooms other than since and until, into `query`.
util::Result<void> rooms_parameter(const std::string& key, const std::string& value,
                                   ledger::Query& query) {
  if (key == "status") {
    const auto status = status_parameter(value);
    if (!status) return util::Error{status.error()};
    query.status = *status;
  } else if (key == "name") {
    query.name_glob = value;
  } else if (key == "limit") {
    const auto limit = limit_parameter(value);
    if (!limit) return util::Error{limit.error()};
    query.limit = *limit;
  } else if (key == "page_token") {
    auto after = parse_page_token(value);
    if (!after) return bad_parameter("page_token", after.error());
    query.after = std::move(*after);
  } else if (key == "fields") {
    const auto cap = fields_parameter(value);
    if (!cap) return util::Error{cap.error()};
    query.metadata_cap = *cap;
  } else {
    return bad_parameter(named(key),
                         "is not one of since, until, status, name, limit, page_token, fields");
  }
  return {};
}

}  // namespace

std::string page_token(const ledger::PageAfter& after) {
  return std::to_string(after.started_ms) + ":" + after.sid;
}

// "<started_ms>:<sid>": a time from 1970 to 9999 and a sid of printable ASCII, as page_token()
// writes them; anything else is refused rather than read as an empty page.
util::Result<ledger::PageAfter> parse_page_token(std::string_view token) {
  constexpr std::int64_t kLastMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  constexpr std::size_t kMaxSid = 256;
  const util::Error refused{"is not one this service gave"};
  const std::size_t colon = token.find(':');
  if (colon == std::string_view::npos) return refused;
  ledger::PageAfter after;
  const std::string_view ms = token.substr(0, colon);
  const auto [end, ec] = std::from_chars(ms.data(), ms.data() + ms.size(), after.started_ms);
  if (ms.empty() || ec != std::errc() || end != ms.data() + ms.size() || after.started_ms < 0 ||
      after.started_ms > kLastMs) {
    return refused;
  }
  const std::string_view sid = token.substr(colon + 1);
  const bool printable =
      std::all_of(sid.begin(), sid.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (sid.empty() || sid.size() > kMaxSid || !printable) return refused;
  after.sid = sid;
  return after;
}

util::Result<ledger::Query> parse_rooms_query(std::string_view text, std::int64_t now_ms) {
  auto given = parameters(text);
  if (!given) return util::Error{given.error()};
  ledger::Query query;
  std::string since = "24h";
  std::string until;
  for (auto& [key, value] : *given) {
    if (key == "since") {
      since = std::move(value);
    } else if (key == "until") {
      until = std::move(value);
    } else if (auto done = rooms_parameter(key, value, query); !done) {
      return util::Error{done.error()};
    }
  }
  if (auto done = window(since, until, now_ms, query); !done) return util::Error{done.error()};
  return query;
}

util::Result<std::optional<ledger::Status>> parse_ui_query(std::string_view text) {
  const auto given = parameters(text);
  if (!given) return util::Error{given.error()};
  std::optional<ledger::Status> showing;
  for (const auto& [key, value] : *given) {
    if (key != "status") {
      return bad_parameter(named(key), "is not status, the page's one parameter");
    }
    if (value.empty()) continue;  // "all"
    const auto status = status_parameter(value);
    if (!status) return util::Error{status.error()};
    showing = *status;
  }
  return showing;
}

}  // namespace ar::server
