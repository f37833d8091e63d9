#include "ledger/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace ar::ledger {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreTest() {
    dir_ = fs::temp_directory_path() /
           ("ledger-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~SqliteStoreTest() override { fs::remove_all(dir_); }
  std::string path(const char* name = "ledger.db") const { return (dir_ / name).string(); }

  static void apply(Store& store, std::vector<Entry> entries) { store.apply(entries); }

  fs::path dir_;
};

TEST_F(SqliteStoreTest, ASessionIsKeptWithItsRecordingsAndFilesAndOneStatus) {
  SqliteStore store(path(), SqliteStore::Mode::kWrite);
  Recording ended;
  ended.egress_id = "EG_1";
  ended.status = "EGRESS_COMPLETE";
  ended.started_ms = 1200;
  ended.ended_ms = 9000;
  ended.files.push_back({"a.mp4", "s3://b/a.mp4", 7, 7.8});
  apply(store, {RoomSeen{"RM_1", "class-1", 1000, "webhook"}, Decided{"RM_1", true, "top level"},
                RecordingStarted{"RM_1", "EG_1", 1300, false}});
  EXPECT_EQ(store.room("RM_1")->status, Status::kRecording);
  apply(store,
        {EgressReported{"RM_1", "class-1", ended}, RoomFinished{"RM_1", 9100, "class-1", 0}});
  const Room room = *store.room("RM_1");
  EXPECT_EQ(room.status, Status::kRecorded);
  EXPECT_EQ(room.name, "class-1");
  EXPECT_EQ(room.started_ms, 1000);
  EXPECT_EQ(room.finished_ms, 9100);
  EXPECT_EQ(room.first_recording_ms, 1200);  // egress's own start time is the earlier one
  ASSERT_EQ(room.recordings.size(), 1U);
  EXPECT_EQ(room.recordings[0].files.at(0).location, "s3://b/a.mp4");
  EXPECT_DOUBLE_EQ(room.recordings[0].files.at(0).duration_seconds, 7.8);
  EXPECT_FALSE(store.room("RM_unknown"));
}

TEST_F(SqliteStoreTest, AnEndedRecordingDoesNotBecomeActiveAgainWhenWebhooksArriveLate) {
  SqliteStore store(path(), SqliteStore::Mode::kWrite);
  Recording r;
  r.egress_id = "EG_1";
  r.status = "EGRESS_FAILED";
  r.error = "pipeline crashed";
  apply(store, {EgressReported{"RM_1", "x", r}});
  r.status = "EGRESS_ACTIVE";  // egress_updated, delivered after egress_ended
  r.error.clear();
  apply(store, {EgressReported{"RM_1", "x", r}});
  const Room room = *store.room("RM_1");
  EXPECT_EQ(room.recordings.at(0).status, "EGRESS_FAILED");
  EXPECT_EQ(room.recordings.at(0).error, "pipeline crashed");
  EXPECT_EQ(room.status, Status::kPartial);
}

TEST_F(SqliteStoreTest, AStopKnownWithoutItsWebhookStillMakesTheSessionStopped) {
  SqliteStore store(path(), SqliteStore::Mode::kWrite);
  apply(store, {RoomSeen{"RM_1", "hearing", 5000, "reconciler"}, StoppedOnPurpose{"RM_1", "EG_9"},
                RoomFinished{"RM_1", 9000, "hearing", 0}});
  const Room room = *store.room("RM_1");
  ASSERT_EQ(room.recordings.size(), 1U);
  EXPECT_TRUE(room.recordings[0].stopped_on_purpose);
  EXPECT_EQ(room.status, Status::kStopped);
  // LiveKit's creation time, when it comes later, is the session's start.
  apply(store, {RoomSeen{"RM_1", "hearing", 4000, "webhook"}});
  EXPECT_EQ(store.room("RM_1")->started_ms, 4000);
  EXPECT_EQ(store.room("RM_1")->learned_from, "reconciler");
}

TEST_F(SqliteStoreTest, QueriesFilterByWindowStatusAndNameNewestFirstInPages) {
  SqliteStore store(path(), SqliteStore::Mode::kWrite);
  std::vector<Entry> entries;
  for (int i = 0; i < 25; ++i) {
    const std::string sid = "RM_" + std::to_string(100 + i);
    entries.emplace_back(RoomSeen{sid, (i % 2 ? "class-" : "hearing-") + std::to_string(i),
                                  1000 + i * 10, "webhook"});
    entries.emplace_back(Decided{sid, i % 5 != 0, i % 5 != 0 ? "top level" : "rules[0]"});
  }
  store.apply(entries);
  Query query;
  query.limit = 10;
  std::vector<std::string> seen;
  for (;;) {
    Page page = store.rooms(query);
    for (const Room& room : page.rooms) seen.push_back(room.sid);
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  ASSERT_EQ(seen.size(), 25U);
  EXPECT_EQ(seen.front(), "RM_124");
  EXPECT_EQ(seen.back(), "RM_100");
  Query skipped;
  skipped.status = Status::kSkipped;
  EXPECT_EQ(store.rooms(skipped).rooms.size(), 5U);
  Query window;
  window.since_ms = 1100;
  window.until_ms = 1150;
  EXPECT_EQ(store.rooms(window).rooms.size(), 5U);
  Query classes;
  classes.name_glob = "class-*";
  EXPECT_EQ(store.rooms(classes).rooms.size(), 12U);
  Query bad;
  bad.page_token = "not-a-token";
  EXPECT_THROW((void)store.rooms(bad), std::invalid_argument);
  bad.page_token = ":RM_1";
  EXPECT_THROW((void)store.rooms(bad), std::invalid_argument);
}

TEST_F(SqliteStoreTest, PruneForgetsSessionsOlderThanTheRetention) {
  SqliteStore store(path(), SqliteStore::Mode::kWrite);
  apply(store,
        {RoomSeen{"RM_old", "a", 1000, "webhook"}, RecordingStarted{"RM_old", "EG_1", 1100, false},
         RoomSeen{"RM_new", "b", 5000, "webhook"}});
  EXPECT_EQ(store.prune(2000), 1U);
  EXPECT_FALSE(store.room("RM_old"));
  EXPECT_TRUE(store.room("RM_new"));
}

TEST_F(SqliteStoreTest, AReaderSeesWhatTheWriterWroteWhileItIsOpen) {
  SqliteStore writer(path(), SqliteStore::Mode::kWrite);
  apply(writer, {RoomSeen{"RM_1", "a", 1000, "webhook"}});
  SqliteStore reader(path(), SqliteStore::Mode::kRead);
  EXPECT_TRUE(reader.room("RM_1"));
  apply(writer, {RoomSeen{"RM_2", "b", 2000, "webhook"}});
  EXPECT_TRUE(reader.room("RM_2"));
  EXPECT_THROW(apply(reader, {RoomSeen{"RM_3", "c", 3000, "webhook"}}), StoreError);
}

TEST_F(SqliteStoreTest, TwoWritersStartingTogetherMigrateOnce) {
  SqliteStore a(path(), SqliteStore::Mode::kWrite);
  SqliteStore b(path(), SqliteStore::Mode::kWrite);
  apply(a, {RoomSeen{"RM_1", "a", 1000, "webhook"}});
  EXPECT_TRUE(b.room("RM_1"));
}

TEST_F(SqliteStoreTest, BadFilesAreReportedNeverRecreated) {
  // Not a database: reported, and left as it was.
  const std::string junk = "this is not a database, it is a shopping list\n";
  { std::ofstream(path("junk.db")) << junk; }
  try {
    SqliteStore store(path("junk.db"), SqliteStore::Mode::kWrite);
    FAIL() << "a text file opened as a ledger";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.db"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fs::file_size(path("junk.db")), junk.size());
  // A directory that does not exist.
  EXPECT_THROW(SqliteStore(path("missing/ledger.db"), SqliteStore::Mode::kWrite), StoreError);
  // Reading a ledger that was never written.
  EXPECT_THROW(SqliteStore(path("none.db"), SqliteStore::Mode::kRead), StoreError);
  // A schema newer than this binary's.
  { SqliteStore store(path(), SqliteStore::Mode::kWrite); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    SqliteStore store(path(), SqliteStore::Mode::kWrite);
    FAIL() << "a newer schema opened";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this binary"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ar::ledger
