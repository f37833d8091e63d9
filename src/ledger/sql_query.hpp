#pragma once
// The SQL of a read of the ledger's window, for SqlStore: which index each part walks, and its
// parameters (docs/ledger.md, "Reads at a million sessions").
//
// A window [since, until) holds the sessions that started in it, and those that started before
// it and of which something happened in it. The first are a range of rooms_by_start (or of
// rooms_by_status, for one status), and come first, newest first: a page of them stops at its
// limit. Of the others, read only while the page is not full, those whose latest event came at
// most a day after their start started at most a day before `since`, the same range a day
// longer, and the rest are in rooms_late (migration 4). Only a filter that leaves out most of the
// range (a name glob without a literal prefix) makes a read go through all of it.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/database.hpp"
#include "ledger/store.hpp"

namespace ar::ledger {

// A name glob ("class-*", "?") as a LIKE pattern, with LIKE's own characters escaped.
std::string like_pattern(std::string_view glob);

// The names that begin with a glob's literal prefix, byte by byte: "class-*" is ["class-",
// "class."). None when the glob begins with a wildcard, or its prefix is not UTF-8.
struct NameRange {
  std::string low;
  std::string high;  // excluded
};
std::optional<NameRange> name_range(std::string_view glob);

// The glob as SQLite's GLOB, for the trigram index, which checks it on what it finds: "[", which
// would begin a set of characters there, as "?" (the glob is checked as LIKE besides). None when
// no three literal characters follow each other in it: the index would read all of it.
std::optional<std::string> trigram_glob(std::string_view glob);

// How a read finds the names of a glob before the rest of its filters.
enum class Narrow {
  kPrefix,    // the range of the literal prefix in rooms_by_name
  kTrigrams,  // the names the trigram index finds (Database::containing)
};

class WindowRead {
 public:
  // Below this many names in its prefix's range, or found by their trigrams, a glob is read through
  // them: fewer rows than a window's scan may read before it finds a page of them.
  static constexpr std::int64_t kFewNames = 10000;

  // Keeps a reference to `db`.
  WindowRead(const Database& db, const Query& query);
  WindowRead(const WindowRead&) = delete;
  WindowRead& operator=(const WindowRead&) = delete;

  // How many sessions (up to kFewNames) have a name in the glob's prefix range, or one the
  // trigram index finds: one row, one column. None without such a range; or with one, or without
  // such a run, for trigrams (a glob's prefix narrows it as much, and its trigrams are common).
  std::optional<std::string> name_count(Narrow how) const;

  // `columns` of the sessions, newest first, at most query.limit + 1 of each statement:
  // those that started in the window, which come before all others;
  std::string started(std::string_view columns) const;
  // then, while a page is not full, those that started before it;
  std::string earlier(std::string_view columns) const;
  // or instead of both, when name_count() is below kFewNames, those of the names found so.
  std::string named(std::string_view columns, Narrow how) const;
  // Rows of a status and how many of the window's sessions have it: of a query without a status
  // or a page, so that their sum is the window's size; through the names found so, if given.
  std::string counts(std::optional<Narrow> how) const;

  // $1..$n of each statement.
  std::span<const Param> params() const { return params_; }

 private:
  std::string select(std::string_view columns, std::string_view index) const;
  // Of the sessions that started in the day before the window, those with something in it that
  // came less than a day after their start.
  std::string day_before(std::string_view columns) const;
  // Of those that started before it, the others (rooms_late).
  std::string late(std::string_view columns) const;
  // What the query adds to each part: the page's place, the status, the name.
  std::string filters() const;
  // "rooms ... WHERE <the names found so>".
  std::string names(Narrow how) const;
  // The window's sessions of the names found so, with the query's filters; in no order.
  std::string narrowed(std::string_view columns, Narrow how) const;

  const Database& db_;
  const Query& query_;
  std::string status_;
  std::string pattern_;
  std::optional<NameRange> range_;
  std::optional<std::string> trigram_glob_;
  std::vector<Param> params_;
};

}  // namespace ar::ledger
