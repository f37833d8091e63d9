#include "ledger/sql_query.hpp"

#include <algorithm>
#include <limits>

namespace ar::ledger {
namespace {

// Something other than its start happened to a session in the window [$1, $8): it finished, its
// status changed, or a recording of it started or ended (completed, failed, restarted).
constexpr const char* kHappenedIn =
    "((finished_ms >= $1 AND finished_ms < $8) OR (changed_ms >= $1 AND changed_ms < $8) "
    "OR EXISTS (SELECT 1 FROM recordings r WHERE r.room_sid = rooms.sid AND "
    "((r.started_ms >= $1 AND r.started_ms < $8) OR (r.ended_ms >= $1 AND r.ended_ms < $8))))";

// Its latest event came more than a day after its start: rooms_late's predicate as migration 4
// spells it, and the day that the scan by start reaches back before the window.
constexpr const char* kLate = "last_event_ms > started_ms + 86400000";
constexpr const char* kNotLate = "last_event_ms <= started_ms + 86400000";
constexpr std::int64_t kDayMs = 86'400'000;

constexpr const char* kNewestFirst = " ORDER BY started_ms DESC, sid DESC";

// The last character of UTF-8 `text`: where it begins and its code point. None when `text` is
// empty or does not end with a whole character.
struct Character {
  std::size_t at = 0;
  char32_t point = 0;
};
std::optional<Character> last_character(std::string_view text) {
  std::size_t at = text.size();
  while (at > 0 && (static_cast<unsigned char>(text[at - 1]) & 0xC0) == 0x80) --at;
  if (at == 0) return std::nullopt;
  --at;
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 1;
  char32_t point = lead;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    point = lead & 0x07;
  } else if (lead >= 0x80) {
    return std::nullopt;
  }
  if (text.size() - at != length) return std::nullopt;
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    point = (point << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  }
  return Character{at, point};
}

void append_utf8(std::string& out, char32_t point) {
  const auto byte = [&out](char32_t value) { out += static_cast<char>(value); };
  if (point < 0x80) {
    byte(point);
  } else if (point < 0x800) {
    byte(0xC0 | (point >> 6));
    byte(0x80 | (point & 0x3F));
  } else if (point < 0x10000) {
    byte(0xE0 | (point >> 12));
    byte(0x80 | ((point >> 6) & 0x3F));
    byte(0x80 | (point & 0x3F));
  } else {
    byte(0xF0 | (point >> 18));
    byte(0x80 | ((point >> 12) & 0x3F));
    byte(0x80 | ((point >> 6) & 0x3F));
    byte(0x80 | (point & 0x3F));
  }
}

}  // namespace

std::string like_pattern(std::string_view glob) {
  std::string out;
  for (const char c : glob) {
    if (c == '*') {
      out += '%';
    } else if (c == '?') {
      out += '_';
    } else {
      if (c == '%' || c == '_' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

// The first text after every one that begins with the prefix: the prefix with its last character
// one code point further (UTF-8 orders byte by byte as code points do). A last character that has
// none further is dropped, and the one before it taken.
std::optional<NameRange> name_range(std::string_view glob) {
  const std::string_view prefix = glob.substr(0, glob.find_first_of("*?"));
  std::string high(prefix);
  while (const auto last = last_character(high)) {
    high.resize(last->at);
    if (last->point < 0x10FFFF) {
      // Past the surrogates, which are no characters (PostgreSQL refuses them).
      append_utf8(high, last->point == 0xD7FF ? 0xE000 : last->point + 1);
      return NameRange{std::string(prefix), std::move(high)};
    }
  }
  return std::nullopt;
}

std::optional<std::string> trigram_glob(std::string_view glob) {
  std::string out;
  std::size_t run = 0;
  std::size_t longest = 0;
  for (const char c : glob) {
    const bool wild = c == '*' || c == '?' || c == '[';
    out += c == '[' ? '?' : c;
    if (wild) {
      run = 0;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      longest = std::max(longest, ++run);  // a character's first byte
    }
  }
  if (longest < 3) return std::nullopt;
  return out;
}

WindowRead::WindowRead(const Database& db, const Query& query)
    : db_(db),
      query_(query),
      status_(query.status ? std::string(to_string(*query.status)) : ""),
      pattern_(like_pattern(query.name_glob)),
      range_(query.name_glob.empty() ? std::nullopt : name_range(query.name_glob)),
      trigram_glob_(query.name_glob.empty() || range_ ? std::nullopt
                                                      : trigram_glob(query.name_glob)) {
  const std::int64_t after_ms = query.after ? query.after->started_ms : 0;
  // After the page's last row: below its start + 1; of those that started in the same
  // millisecond, the sids before its sid.
  const std::int64_t top = query.after ? std::min(query.until_ms, after_ms + 1) : query.until_ms;
  const std::int64_t reach = query.since_ms < std::numeric_limits<std::int64_t>::min() + kDayMs
                                 ? query.since_ms
                                 : query.since_ms - kDayMs;
  params_ = {query.since_ms,
             top,
             after_ms,
             query.after ? std::string_view(query.after->sid) : std::string_view(),
             status_,
             pattern_,
             static_cast<std::int64_t>(query.limit + 1),
             query.until_ms,
             reach,
             range_ ? std::string_view(range_->low) : std::string_view(),
             range_ ? std::string_view(range_->high) : std::string_view(),
             trigram_glob_ ? std::string_view(*trigram_glob_) : std::string_view()};
}

std::optional<std::string> WindowRead::name_count(Narrow how) const {
  const bool prefix = how == Narrow::kPrefix;
  if (!(prefix ? range_.has_value() : trigram_glob_.has_value())) return std::nullopt;
  return "SELECT COUNT(*) FROM (SELECT 1 FROM " +
         (prefix ? names(how) : db_.found_by_trigrams("$6", "$12")) + " LIMIT " +
         std::to_string(kFewNames) + ") AS names";
}

std::string WindowRead::started(std::string_view columns) const {
  return select(columns, query_.status ? "rooms_by_status" : "rooms_by_start") +
         " WHERE started_ms >= $1 AND started_ms < $2" + filters() + kNewestFirst + " LIMIT $7";
}

std::string WindowRead::earlier(std::string_view columns) const {
  return day_before(columns) + filters() + " UNION ALL " + late(columns) + filters() +
         kNewestFirst + " LIMIT $7";
}

std::string WindowRead::named(std::string_view columns, Narrow how) const {
  return narrowed(columns, how) + kNewestFirst + " LIMIT $7";
}

std::string WindowRead::counts(std::optional<Narrow> how) const {
  const std::string window = how ? narrowed("status", *how)
                                 : select("status", "rooms_by_start") +
                                       " WHERE started_ms >= $1 AND started_ms < $2" + filters() +
                                       " UNION ALL " + day_before("status") + filters() +
                                       " UNION ALL " + late("status") + filters();
  return "SELECT status, COUNT(*) FROM (" + window + ") AS w GROUP BY status";
}

std::string WindowRead::names(Narrow how) const {
  if (how == Narrow::kTrigrams)
    return db_.through("rooms", "") + " WHERE " + db_.containing("$6", "$12");
  const std::string name = "name COLLATE " + std::string(db_.bytewise());
  return db_.through("rooms", "rooms_by_name") + " WHERE " + name + " >= $10 AND " + name +
         " < $11";
}

std::string WindowRead::narrowed(std::string_view columns, Narrow how) const {
  return "SELECT " + std::string(columns) + " FROM " + names(how) +
         " AND started_ms < $2 AND (started_ms >= $1 OR (last_event_ms >= $1 AND " + kHappenedIn +
         "))" + filters();
}

std::string WindowRead::select(std::string_view columns, std::string_view index) const {
  return "SELECT " + std::string(columns) + " FROM " + db_.through("rooms", index);
}

std::string WindowRead::day_before(std::string_view columns) const {
  return select(columns, query_.status ? "rooms_by_status" : "rooms_by_start") +
         " WHERE started_ms >= $9 AND started_ms < $1 AND started_ms < $2 AND last_event_ms >= $1" +
         " AND " + kNotLate + " AND " + kHappenedIn;
}

std::string WindowRead::late(std::string_view columns) const {
  return select(columns, "rooms_late") + " WHERE " + kLate +
         " AND last_event_ms >= $1 AND started_ms < $1 AND started_ms < $2 AND " + kHappenedIn;
}

std::string WindowRead::filters() const {
  std::string out;
  if (query_.after) out += " AND (started_ms < $3 OR sid < $4)";
  if (query_.status) out += " AND status = $5";
  if (!query_.name_glob.empty()) out += " AND name LIKE $6 ESCAPE '\\'";
  return out;
}

}  // namespace ar::ledger
