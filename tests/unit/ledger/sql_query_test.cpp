// The ledger's reads of a window, on both databases: the parts each read is made of (sessions
// that started in the window, those of the day before it, those of which something happened
// later), name globs by their prefix's range or by a scan, counts per status, and an older
// ledger's statuses brought along by migration 4.
#include "ledger/sql_query.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "ledger/migrations.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sql_transaction.hpp"
#include "ledger/sqlite_database.hpp"
#include "ledger/store_fixture.hpp"

namespace ar::ledger {
namespace {

using testing::apply;
using testing::Backend;
using testing::recording;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

class SqlQueryTest : public testing::StoreTest {
 protected:
  // A ledger whose clock (when it learns a status) is `now_`.
  std::unique_ptr<Store> open_clocked() {
    std::unique_ptr<Database> db;
    if (GetParam() == Backend::kPostgres) {
      db = std::make_unique<PostgresDatabase>(testing::postgres_url(), Access::kWrite);
    } else {
      db = std::make_unique<SqliteDatabase>(dir_.path(), Access::kWrite);
    }
    return std::make_unique<SqlStore>(std::move(db), Access::kWrite, "test",
                                      [this] { return now_; });
  }

  std::int64_t now_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, SqlQueryTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, SqlQueryTest, ::testing::Values(Backend::kPostgres));

std::vector<std::string> sids_of(const std::vector<Session>& rooms) {
  std::vector<std::string> out;
  for (const Session& room : rooms) out.push_back(room.sid);
  return out;
}

// Every page of the query, `limit` at a time.
std::vector<std::string> all_pages(Store& store, Query query, std::size_t limit) {
  query.limit = limit;
  std::vector<std::string> out;
  for (;;) {
    const Page page = store.rooms(query);
    for (const std::string& sid : sids_of(page.rooms)) out.push_back(sid);
    if (!page.next) return out;
    query.after = page.next;
  }
}

TEST(NameRange, IsTheGlobsLiteralPrefixByteByByte) {
  const auto range = [](std::string_view glob) {
    const auto r = name_range(glob);
    return r ? r->low + "|" + r->high : std::string("none");
  };
  EXPECT_EQ(range("class-*"), "class-|class.");
  EXPECT_EQ(range("class-4?"), "class-4|class-5");
  EXPECT_EQ(range("hearing-17"), "hearing-17|hearing-18");
  EXPECT_EQ(range("Zü*"), "Zü|Zý");                 // the next code point, two bytes
  EXPECT_EQ(range("a\u00BF*"), "a\u00BF|a\u00C0");  // not a byte further: C2 BF, then C3 80
  EXPECT_EQ(range("x\uD7FF*"), "x\uD7FF|x\uE000");  // past the surrogates
  EXPECT_EQ(range("ab\U0010FFFF*"), "ab\U0010FFFF|ac");
  EXPECT_EQ(range("*-42"), "none");
  EXPECT_EQ(range("?"), "none");
  EXPECT_EQ(range("\xC3*"), "none");  // not UTF-8
}

TEST_P(SqlQueryTest, AWindowHoldsWhatStartedInItAndWhatHappenedInItToOlderSessions) {
  const auto store = open_clocked();
  const std::int64_t since = 10 * kDay;
  const auto done = model::EgressStatus::kComplete;
  now_ = since - 3 * kDay;
  // Started in the window, at the same millisecond: the page's order is by sid.
  apply(*store, {RoomSeen{"RM_in_a", "a", since + 5 * kHour, "webhook", ""},
                 RoomSeen{"RM_in_b", "b", since + 5 * kHour, "webhook", ""}});
  // The day before: finished in the window; finished before it.
  apply(*store, {RoomSeen{"RM_day_before", "c", since - 2 * kHour, "webhook", ""},
                 RoomFinished{"RM_day_before", since + kHour, "c", 0, ""},
                 RoomSeen{"RM_day_before_quiet", "d", since - 2 * kHour, "webhook", ""},
                 RoomFinished{"RM_day_before_quiet", since - kHour, "d", 0, ""}});
  // Days before: a recording that ends in the window; one whose every fact is older.
  apply(*store,
        {RoomSeen{"RM_long", "e", since - 3 * kDay, "webhook", ""},
         EgressReported{"RM_long", "e", recording("EG_long", done, since - 3 * kDay, since + 1)},
         RoomSeen{"RM_old", "f", since - 3 * kDay - kHour, "webhook", ""},
         EgressReported{"RM_old", "f", recording("EG_old", done, since - 3 * kDay, since - kDay)},
         RoomFinished{"RM_old", since - kDay, "f", 0, ""}});
  // Days before, with every fact old, but the ledger learns its status in the window.
  apply(*store, {RoomSeen{"RM_learned", "g", since - 4 * kDay, "webhook", ""},
                 Decided{"RM_learned", true, "top level"}});
  now_ = since + 2 * kHour;
  apply(*store, {Decided{"RM_learned", false, "rules[0]"}});
  Query window;
  window.since_ms = since;
  const std::vector<std::string> expected{"RM_in_b", "RM_in_a", "RM_day_before", "RM_long",
                                          "RM_learned"};
  EXPECT_EQ(sids_of(store->rooms(window).rooms), expected);
  for (const std::size_t limit : {1U, 2U, 3U}) {
    EXPECT_EQ(all_pages(*store, window, limit), expected) << "pages of " << limit;
  }
  // A window's end leaves out what happened after it.
  window.until_ms = since + kHour;
  EXPECT_EQ(sids_of(store->rooms(window).rooms), std::vector<std::string>{"RM_long"});
  window.until_ms = since + kHour + 1;
  EXPECT_EQ(sids_of(store->rooms(window).rooms),
            (std::vector<std::string>{"RM_day_before", "RM_long"}));
  // Counts: the same sessions, by status.
  window.until_ms = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(store->counts(window),
            (Counts{{Status::kUnrecorded, 3}, {Status::kStopped, 1}, {Status::kSkipped, 1}}));
  Query skipped = window;
  skipped.status = Status::kSkipped;
  EXPECT_EQ(sids_of(store->rooms(skipped).rooms), std::vector<std::string>{"RM_learned"});
}

TEST_P(SqlQueryTest, NameGlobsFindTheirPrefixesRangeCaseAndEscapesKept) {
  const auto store = open();
  const std::vector<std::string> names{"class-1",  "class-2",  "classic",   "Class-3", "class.x",
                                       "Zürich 1", "Zürich 2", "Zz",        "a%b_c",   "a%bxc",
                                       "ab_c",     "abxc",     "hearing-17"};
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < names.size(); ++i) {
    entries.emplace_back(RoomSeen{"RM_" + std::to_string(10 + i), names[i],
                                  static_cast<std::int64_t>(1000 + i), "webhook", ""});
  }
  store->apply(entries);
  const auto named = [&](std::string glob) {
    Query query;
    query.name_glob = std::move(glob);
    std::vector<std::string> out;
    for (const Session& room : store->rooms(query).rooms) out.push_back(room.name);
    std::sort(out.begin(), out.end());
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(named("class-*"), (Names{"class-1", "class-2"}));
  EXPECT_EQ(named("class?*"), (Names{"class-1", "class-2", "class.x", "classic"}));
  EXPECT_EQ(named("Zü*"), (Names{"Zürich 1", "Zürich 2"}));
  EXPECT_EQ(named("Zürich ?"), (Names{"Zürich 1", "Zürich 2"}));
  EXPECT_EQ(named("a%b_*"), (Names{"a%b_c"}));
  EXPECT_EQ(named("ab_c"), (Names{"ab_c"}));
  EXPECT_EQ(named("hearing-17"), (Names{"hearing-17"}));
  EXPECT_EQ(named("*ich*"), (Names{"Zürich 1", "Zürich 2"}));
  EXPECT_EQ(named("*-?"), (Names{"Class-3", "class-1", "class-2"}));
  EXPECT_EQ(named("nomatch-*"), Names{});
  EXPECT_EQ(named("*").size(), names.size());
}

TEST(TrigramGlob, IsTheGlobAsGlobWhenThreeLiteralCharactersFollowEachOther) {
  EXPECT_EQ(trigram_glob("*nomatch*"), "*nomatch*");
  EXPECT_EQ(trigram_glob("*-42"), "*-42");
  EXPECT_EQ(trigram_glob("*Zür*"), "*Zür*");  // characters, not bytes
  EXPECT_EQ(trigram_glob("*a[b]c-d*"), "*a?b]c-d*");
  EXPECT_EQ(trigram_glob("*Zü?*"), std::nullopt);
  EXPECT_EQ(trigram_glob("*-4*2?"), std::nullopt);
  EXPECT_EQ(trigram_glob("*"), std::nullopt);
}

// A glob within names is read through the trigram index, which follows names as they are written,
// renamed and pruned; its window, pages and counts are those of a scan, which is what a ledger
// without the index (a PostgreSQL role that may not create pg_trgm) answers.
TEST_P(SqlQueryTest, AGlobWithinNamesIsFoundByItsTrigramsAsNamesChange) {
  const auto store = open_clocked();
  const std::int64_t since = 10 * kDay;
  const auto done = model::EgressStatus::kComplete;
  now_ = since - 3 * kDay;
  apply(*store,
        {RoomSeen{"RM_1", "hearing-17", since + kHour, "webhook", ""},
         RoomSeen{"RM_2", "class-17", since + 2 * kHour, "webhook", ""},
         RoomSeen{"RM_3", "Hearing-18", since + 3 * kHour, "webhook", ""},
         RoomSeen{"RM_4", "hearing-19", since - 3 * kDay, "webhook", ""},
         EgressReported{"RM_4", "hearing-19", recording("EG_4", done, since - 3 * kDay, since + 1)},
         RoomSeen{"RM_5", "hearing-20", since - 3 * kDay, "webhook", ""}});
  const auto found = [&](const char* glob, std::size_t limit = 100) {
    Query query;
    query.since_ms = since;
    query.name_glob = glob;
    const Counts counts = store->counts(query);
    std::size_t counted = 0;
    for (const auto& [status, n] : counts) counted += n;
    const auto paged = all_pages(*store, query, limit);
    EXPECT_EQ(counted, paged.size()) << glob;
    return paged;
  };
  using Sids = std::vector<std::string>;
  const auto check = [&] {
    EXPECT_EQ(found("*hearing*"), (Sids{"RM_1", "RM_4"}));
    EXPECT_EQ(found("*hearing*", 1), (Sids{"RM_1", "RM_4"}));
    EXPECT_EQ(found("*earing-1?"), (Sids{"RM_3", "RM_1", "RM_4"}));
    EXPECT_EQ(found("*HEARING*"), Sids{});
    EXPECT_EQ(found("*ss-17"), (Sids{"RM_2"}));
  };
  EXPECT_TRUE(store->finds_names_within());
  check();
  now_ = since + 4 * kHour;
  apply(*store, {RoomSeen{"RM_2", "hearing-21", since + 2 * kHour, "webhook", ""}});
  EXPECT_EQ(found("*hearing*"), (Sids{"RM_2", "RM_1", "RM_4"}));
  EXPECT_EQ(found("*ss-17"), Sids{});
  apply(*store, {RoomSeen{"RM_2", "class-17", since + 2 * kHour, "webhook", ""}});
  EXPECT_EQ(store->prune(since - 2 * kDay, 100).sessions, 2U);  // RM_4, RM_5
  EXPECT_EQ(found("*hearing*"), (Sids{"RM_1"}));
  apply(*store,
        {RoomSeen{"RM_4", "hearing-19", since - 3 * kDay, "webhook", ""},
         EgressReported{"RM_4", "hearing-19", recording("EG_4", done, since - 3 * kDay, since + 1)},
         RoomSeen{"RM_5", "hearing-20", since - 3 * kDay, "webhook", ""}});
  check();
  {
    std::unique_ptr<Database> db;
    if (GetParam() == Backend::kPostgres) {
      db = std::make_unique<PostgresDatabase>(testing::postgres_url(), Access::kWrite);
      db->exec("DROP INDEX rooms_by_name_trigrams");
    } else {
      db = std::make_unique<SqliteDatabase>(dir_.path(), Access::kWrite);
      db->exec(
          "DROP TRIGGER rooms_names_insert; DROP TRIGGER rooms_names_delete; "
          "DROP TRIGGER rooms_names_update; DROP TABLE rooms_names");
    }
  }
  EXPECT_FALSE(store->finds_names_within());
  check();
}

// A role that may not create pg_trgm (no CREATE on the database) gets a ledger all the same, with
// no trigram index: a glob within names reads the window, and answers alike.
TEST(PostgresLedger, ARoleThatMayNotCreatePgTrgmGetsALedgerThatScansForGlobsWithinNames) {
  const std::string url = testing::postgres_url();
  ASSERT_FALSE(url.empty()) << "run through tests/postgres.sh run";
  PostgresDatabase admin(url, Access::kWrite);
  admin.exec(
      "DROP SCHEMA IF EXISTS plain CASCADE; DROP EXTENSION IF EXISTS pg_trgm CASCADE; "
      "DROP ROLE IF EXISTS plain; CREATE ROLE plain LOGIN PASSWORD 'plain'; "
      "CREATE SCHEMA plain AUTHORIZATION plain");
  const std::size_t user = url.find("://") + 3;
  const std::string plain_url = url.substr(0, user) + "plain:plain" + url.substr(url.find('@'));
  {
    Settings settings;
    settings.postgres_url = plain_url;
    const auto store = open_store(settings, Access::kWrite);
    EXPECT_FALSE(store->finds_names_within());
    store->apply(std::vector<Entry>{RoomSeen{"RM_1", "hearing-17", 1000, "webhook", ""},
                                    RoomSeen{"RM_2", "class-17", 2000, "webhook", ""}});
    Query query;
    query.name_glob = "*earing*";
    EXPECT_EQ(sids_of(store->rooms(query).rooms), std::vector<std::string>{"RM_1"});
  }
  admin.exec("DROP SCHEMA plain CASCADE; DROP ROLE plain");
}

// Past WindowRead::kFewNames names in its range, a prefix is read by a scan by start, with the
// same answer.
TEST_P(SqlQueryTest, APrefixOfManyNamesIsScannedByStartWithTheSameAnswer) {
  const auto store = open();
  std::vector<Entry> entries;
  const auto many = static_cast<int>(WindowRead::kFewNames) + 10;
  for (int i = 0; i < many; ++i) {
    entries.emplace_back(RoomSeen{"RM_" + std::to_string(100000 + i), "bulk-" + std::to_string(i),
                                  1000 + i, "webhook", ""});
  }
  store->apply(entries);
  Query query;
  query.name_glob = "bulk-*";
  query.limit = 3;
  EXPECT_EQ(sids_of(store->rooms(query).rooms),
            (std::vector<std::string>{"RM_110009", "RM_110008", "RM_110007"}));
  query.name_glob = "bulk-10*";  // bulk-10, bulk-100..109, bulk-1000..1099, bulk-10000..10009
  query.limit = 1000;
  EXPECT_EQ(all_pages(*store, query, 7).size(), 1U + 10 + 100 + 10);
  EXPECT_EQ(sids_of(store->rooms(query).rooms).front(), "RM_110009");
  query.name_glob = "*-1000?";
  EXPECT_EQ(all_pages(*store, query, 4).size(), 10U);
}

// A list reads metadata only when asked, each cut at its cap on a character's start, and ends its
// page once its rooms' text passes its budget; a room read alone has all of it.
TEST_P(SqlQueryTest, AListReadsMetadataOnlyWhenAskedCutAtItsCapAndEndsAtItsBudget) {
  const auto store = open();
  std::string large;
  for (int i = 0; i < 30000; ++i) large += "\u20AC";  // 3 bytes each
  store->apply(std::vector<Entry>{RoomSeen{"RM_1", "a", 1000, "webhook", large},
                                  RoomSeen{"RM_2", "b", 2000, "webhook", large},
                                  RoomSeen{"RM_3", "c", 3000, "webhook", "{}"}});
  Query query;
  for (const Session& room : store->rooms(query).rooms) {
    EXPECT_EQ(room.metadata, "") << room.sid;
    EXPECT_EQ(room.metadata_bytes, 0U) << room.sid;
  }
  query.metadata_cap = 1000;
  const Page cut = store->rooms(query);
  ASSERT_EQ(cut.rooms.size(), 3U);
  EXPECT_EQ(cut.rooms[0].metadata, "{}");
  EXPECT_EQ(cut.rooms[0].metadata_bytes, 2U);
  EXPECT_EQ(cut.rooms[1].metadata, large.substr(0, 999));
  EXPECT_EQ(cut.rooms[1].metadata_bytes, 90000U);
  query.metadata_cap = Query::kWholeMetadata;
  EXPECT_EQ(store->rooms(query).rooms.at(2).metadata, large);
  // 90 000 bytes a room: past a budget of 50 000, a page ends before the room, which begins the
  // next one (a page holds at least one room).
  query.max_bytes = 50000;
  EXPECT_EQ(all_pages(*store, query, 10), (std::vector<std::string>{"RM_3", "RM_2", "RM_1"}));
  const Page first = store->rooms(query);
  EXPECT_EQ(sids_of(first.rooms), std::vector<std::string>{"RM_3"});
  ASSERT_TRUE(first.next);
  EXPECT_EQ(first.next->sid, "RM_3");
  EXPECT_EQ(store->room("RM_1")->metadata, large);
  EXPECT_EQ(store->room("RM_1")->metadata_bytes, 90000U);
}

// A ledger written by an older version: its stored statuses are those of that version's rules;
// migration 4 makes each what reads show, so that a filter by status finds it.
TEST_P(SqlQueryTest, AnOlderLedgersStatusesBecomeThoseReadsShow) {
  {
    std::unique_ptr<Database> db;
    if (GetParam() == Backend::kPostgres) {
      db = std::make_unique<PostgresDatabase>(testing::postgres_url(), Access::kWrite);
    } else {
      db = std::make_unique<SqliteDatabase>(dir_.path(), Access::kWrite);
    }
    in_transaction(*db, [&] {
      db->lock_schema_version();
      for (int i = 0; i < 3; ++i) db->exec(migration(i, *db));
      db->set_schema_version(3);
      // Skipped by its rule, stored as an older version left it; a live recording.
      db->exec(
          "INSERT INTO rooms (sid, name, started_ms, decision, status, last_event_ms) VALUES "
          "('RM_skip', 'a', 1000, 'skip', 'recorded', 1000), "
          "('RM_live', 'b', 2000, 'record', 'unrecorded', 2000)");
      db->exec(
          "INSERT INTO recordings (egress_id, room_sid, status) VALUES "
          "('EG_1', 'RM_live', 'EGRESS_ACTIVE')");
    });
  }
  const auto store = open();
  Query skipped;
  skipped.status = Status::kSkipped;
  EXPECT_EQ(sids_of(store->rooms(skipped).rooms), std::vector<std::string>{"RM_skip"});
  EXPECT_EQ(store->counts(Query{}), (Counts{{Status::kSkipped, 1}, {Status::kRecording, 1}}));
}

}  // namespace
}  // namespace ar::ledger
