#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "ledger/sql_store.hpp"
#include "ledger/sqlite_database.hpp"
#include "ledger/store_fixture.hpp"

// Retention gives space back to the file system on SQLite (auto_vacuum=INCREMENTAL), not only
// keeps the pages of what it deleted for reuse; a file made before that is rebuilt once.
namespace ar::ledger {
namespace {

using testing::TestDirectory;

SqlStore open_store(const std::string& path, Access access = Access::kWrite) {
  return SqlStore(std::make_unique<SqliteDatabase>(path, access), access, path);
}

// 1000 sessions of 20 KiB metadata each that started at 1000 ms, then one at 5000 ms; closed, so
// that the WAL is written into the file and removed. The file's size.
std::uintmax_t write_sessions(const std::string& path) {
  const std::string metadata(20 * 1024, 'm');
  {
    SqlStore store = open_store(path);
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<Entry> entries;
      for (int i = 0; i < 100; ++i) {
        const std::string sid = "RM_" + std::to_string(batch * 100 + i);
        entries.emplace_back(RoomSeen{sid, "a", 1000 + batch, "webhook", metadata});
        entries.emplace_back(RecordingStarted{sid, "EG_" + sid, 1100, false});
      }
      store.apply(entries);
    }
    const std::vector<Entry> last{RoomSeen{"RM_new", "b", 5000, "webhook", metadata}};
    store.apply(last);
  }
  return std::filesystem::file_size(path);
}

// Prunes the 1000 old sessions to the end; how many steps that took.
std::size_t prune_old(const std::string& path) {
  SqlStore store = open_store(path);
  std::size_t steps = 0;
  std::size_t pruned = 0;
  for (Pruned step; !step.done; ++steps) {
    step = store.prune(2000, 300);
    pruned += step.sessions;
  }
  EXPECT_EQ(pruned, 1000U);
  EXPECT_TRUE(store.room("RM_new"));
  return steps;
}

int auto_vacuum(const std::string& path) {
  SqliteDatabase db(path, Access::kRead);
  return static_cast<int>(db.run("PRAGMA auto_vacuum", {}).rows.at(0).integer(0));
}

TEST(SqliteSpace, PruningShrinksTheFile) {
  const TestDirectory dir;
  const auto full = write_sessions(dir.path());
  EXPECT_GT(full, 20U << 20);
  EXPECT_EQ(auto_vacuum(dir.path()), 2);  // INCREMENTAL, from its first table
  // 300 sessions a step, and 8 MiB given back a step at most: the last steps only give back.
  EXPECT_GE(prune_old(dir.path()), 4U);
  const auto pruned = std::filesystem::file_size(dir.path());
  EXPECT_LT(pruned, 1U << 20) << "from " << full;
}

TEST(SqliteSpace, AFileMadeBeforeIsRebuiltOnceAndThenShrinks) {
  const TestDirectory dir;
  const auto full = write_sessions(dir.path());
  sqlite3* raw = nullptr;  // as the ledger made its files before: auto_vacuum off
  ASSERT_EQ(sqlite3_open(dir.path().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA auto_vacuum=NONE; VACUUM", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  ASSERT_EQ(auto_vacuum(dir.path()), 0);

  EXPECT_FALSE(SqliteDatabase(dir.path(), Access::kRead).needs_rebuild());
  {
    // A stop before or during it: the VACUUM gives up at its first look at the flag, the file as
    // it was, and the next start tries again.
    SqliteDatabase db(dir.path(), Access::kWrite);
    ASSERT_TRUE(db.needs_rebuild());
    db.interrupt();
    EXPECT_THROW(db.rebuild(), StoreError);
  }
  EXPECT_EQ(auto_vacuum(dir.path()), 0);
  {
    SqlStore store = open_store(dir.path());
    ASSERT_TRUE(store.needs_rebuild());
    store.rebuild();
    EXPECT_FALSE(store.needs_rebuild());
    EXPECT_TRUE(store.room("RM_1"));
  }
  EXPECT_EQ(auto_vacuum(dir.path()), 2);
  EXPECT_FALSE(open_store(dir.path()).needs_rebuild()) << "once";
  prune_old(dir.path());
  EXPECT_LT(std::filesystem::file_size(dir.path()), 1U << 20) << "from " << full;
}

// The trigram index of names (migration 5) finds rows by their rowid: a VACUUM, the one-time
// rebuild's or an operator's, keeps rowids, also past gaps that retention left.
TEST(SqliteSpace, NamesAreFoundByTheirTrigramsAfterARebuild) {
  const TestDirectory dir;
  {
    SqlStore store = open_store(dir.path());
    std::vector<Entry> entries;
    for (int i = 0; i < 50; ++i) {
      entries.emplace_back(
          RoomSeen{"RM_" + std::to_string(i), "hearing-" + std::to_string(i), i, "webhook", ""});
    }
    store.apply(entries);
    EXPECT_EQ(store.prune(10, 100).sessions, 10U);  // rowids 1 to 10
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.path().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA auto_vacuum=NONE; VACUUM", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  SqlStore store = open_store(dir.path());
  ASSERT_TRUE(store.needs_rebuild());
  store.rebuild();
  const auto named = [&store](const char* glob) {
    Query query;
    query.name_glob = glob;
    std::vector<std::string> sids;
    for (const Session& room : store.rooms(query).rooms) sids.push_back(room.sid);
    return sids;
  };
  EXPECT_EQ(named("*ring-42"), std::vector<std::string>{"RM_42"});
  EXPECT_EQ(named("*ring-1?").size(), 10U);
  EXPECT_EQ(named("*ring-?"), std::vector<std::string>{});
}

}  // namespace
}  // namespace ar::ledger
