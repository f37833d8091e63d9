#include "ledger/sql_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "ledger/postgres_database.hpp"
#include "ledger/sqlite_database.hpp"
#include "ledger/store_fixture.hpp"

// The ledger's tables, on both databases. The PostgreSQL instances ("Postgres/...", and
// "PostgresLedger.*") need a real server: ctest's integration.ledger_postgres runs them through
// tests/postgres.sh, which starts one and sets AR_TEST_POSTGRES_URL.
namespace ar::ledger {
namespace {

using testing::apply;
using testing::Backend;
using testing::postgres_url;
using testing::TestDirectory;
using SqlStoreTest = testing::StoreTest;

INSTANTIATE_TEST_SUITE_P(Sqlite, SqlStoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, SqlStoreTest, ::testing::Values(Backend::kPostgres));

TEST_P(SqlStoreTest, ASessionIsKeptWithItsRecordingsAndFilesAndOneStatus) {
  const auto opened = open();
  Store& store = *opened;
  Recording ended;
  ended.egress_id = "EG_1";
  ended.status = model::EgressStatus::kComplete;
  ended.started_ms = 1200;
  ended.ended_ms = 9000;
  ended.files.push_back({"a.mp4", "s3://b/a.mp4", 7, 7.8});
  ended.retry_count = 2;
  ended.backup_storage_used = true;
  apply(store, {RoomSeen{"RM_1", "class-1", 1000, "webhook", R"({"course":"chem"})"},
                Decided{"RM_1", true, "top level"}, RecordingStarted{"RM_1", "EG_1", 1300, false}});
  EXPECT_EQ(store.room("RM_1")->status, Status::kRecording);
  apply(store,
        {EgressReported{"RM_1", "class-1", ended}, RoomFinished{"RM_1", 9100, "class-1", 0, ""}});
  const Session room = *store.room("RM_1");
  EXPECT_EQ(room.status, Status::kRecorded);
  EXPECT_EQ(room.name, "class-1");
  EXPECT_EQ(room.metadata, R"({"course":"chem"})");
  EXPECT_EQ(room.started_ms, 1000);
  EXPECT_EQ(room.finished_ms, 9100);
  EXPECT_EQ(room.first_recording_ms, 1200);  // egress's own start time is the earlier one
  ASSERT_EQ(room.recordings.size(), 1U);
  EXPECT_EQ(room.recordings[0].files.at(0).location, "s3://b/a.mp4");
  EXPECT_DOUBLE_EQ(room.recordings[0].files.at(0).duration_seconds, 7.8);
  EXPECT_EQ(room.recordings[0].retry_count, 2);
  EXPECT_TRUE(room.recordings[0].backup_storage_used);
  // A later report that lacks them (egress_updated before the end, delivered late) keeps them.
  ended.retry_count = 0;
  ended.backup_storage_used = false;
  apply(store, {EgressReported{"RM_1", "class-1", ended}});
  EXPECT_EQ(store.room("RM_1")->recordings[0].retry_count, 2);
  EXPECT_TRUE(store.room("RM_1")->recordings[0].backup_storage_used);
  EXPECT_FALSE(store.room("RM_unknown"));
}

TEST_P(SqlStoreTest, ADuplicateStoppedIsKeptWithTheOneKeptAndCountsForNothing) {
  const auto opened = open();
  Store& store = *opened;
  Recording kept;
  kept.egress_id = "EG_auto";
  kept.status = model::EgressStatus::kActive;
  Recording ours;
  ours.egress_id = "EG_ours";
  ours.status = model::EgressStatus::kStarting;
  // The stop's answer may come before or after egress reports the end (aborted while starting).
  apply(store, {RoomSeen{"RM_1", "r", 1000, "webhook", ""}, EgressReported{"RM_1", "r", kept},
                StoppedAsDuplicate{"RM_1", "EG_ours", "EG_auto"}});
  ours.status = model::EgressStatus::kAborted;
  ours.error = "Stopped before started";
  apply(store, {EgressReported{"RM_1", "r", ours}});
  Session room = *store.room("RM_1");
  ASSERT_EQ(room.recordings.size(), 2U);
  const auto stopped = std::find_if(room.recordings.begin(), room.recordings.end(),
                                    [](const Recording& r) { return r.egress_id == "EG_ours"; });
  EXPECT_EQ(stopped->duplicate_of, "EG_auto");
  EXPECT_EQ(stopped->status, model::EgressStatus::kAborted);
  EXPECT_EQ(room.status, Status::kRecording) << "not partial: the duplicate counts for nothing";
  kept.status = model::EgressStatus::kComplete;
  apply(store, {EgressReported{"RM_1", "r", kept}, RoomFinished{"RM_1", 9000, "r", 0, ""}});
  EXPECT_EQ(store.room("RM_1")->status, Status::kRecorded);
}

// record: [room, participants, tracks]: each recording kept with its kind and whom it records;
// a participant whose start was given up is missing (partial) until one of it starts.
TEST_P(SqlStoreTest, RecordingsAreKeptByKindAndAMissingOneMakesTheSessionPartialUntilItStarts) {
  const auto opened = open();
  Store& store = *opened;
  using K = model::RecordingKind;
  const auto track = std::make_shared<const Subject>(Subject{K::kTrack, "TR_a", "alice", "TR_a"});
  const auto bob = std::make_shared<const Subject>(Subject{K::kParticipant, "PA_b", "bob", ""});
  apply(store, {RoomSeen{"RM_1", "class-1", 1000, "webhook", ""},
                Decided{"RM_1", true, "top level", "room_composite,participant,track"},
                RecordingStarted{"RM_1", "EG_room", 1500, false},
                RecordingStarted{"RM_1", "EG_track", 1100, false, track},
                StartFailed{"RM_1", "invalid_argument: no", bob}});
  // A track egress's report names no publisher: what the start said stays.
  Recording reported;
  reported.egress_id = "EG_track";
  reported.kind = K::kTrack;
  reported.track_id = "TR_a";
  reported.status = model::EgressStatus::kActive;
  reported.started_ms = 1100;
  apply(store, {EgressReported{"RM_1", "class-1", reported}});
  Session room = *store.room("RM_1");
  EXPECT_EQ(room.asked, "room_composite,participant,track");
  EXPECT_EQ(room.first_recording_ms, 1500) << "the composite's start, not the track's";
  ASSERT_EQ(room.recordings.size(), 2U);
  const Recording& kept = room.recordings[0];
  EXPECT_EQ(kept.egress_id, "EG_track");
  EXPECT_EQ(kept.kind, K::kTrack);
  EXPECT_EQ(kept.participant, "alice");
  EXPECT_EQ(kept.track_id, "TR_a");
  EXPECT_EQ(room.recordings[1].kind, K::kRoomComposite);
  ASSERT_EQ(room.missing.size(), 1U);
  EXPECT_EQ(room.missing[0].subject.participant, "bob");
  EXPECT_EQ(room.missing[0].error, "invalid_argument: no");
  EXPECT_EQ(room.status, Status::kPartial);
  // The same failure told twice is one; a later start of it (the reconciler's) ends the gap.
  apply(store, {StartFailed{"RM_1", "invalid_argument: no", bob}});
  EXPECT_EQ(store.room("RM_1")->missing.size(), 1U);
  apply(store, {RecordingStarted{"RM_1", "EG_bob", 2000, false, bob}});
  room = *store.room("RM_1");
  EXPECT_TRUE(room.missing.empty());
  EXPECT_EQ(room.status, Status::kRecording);
  EXPECT_EQ(room.recordings.back().participant, "bob");
  // Given up again, then recorded by someone else (LiveKit's own AutoParticipantEgress): its
  // report alone ends the gap, as no start of ours ever will.
  const auto carol = std::make_shared<const Subject>(Subject{K::kParticipant, "PA_c", "carol", ""});
  apply(store, {StartFailed{"RM_1", "deadline_exceeded", carol}});
  EXPECT_EQ(store.room("RM_1")->status, Status::kPartial);
  Recording theirs;
  theirs.egress_id = "EG_auto_carol";
  theirs.kind = K::kParticipant;
  theirs.participant = "carol";
  theirs.status = model::EgressStatus::kActive;
  apply(store, {EgressReported{"RM_1", "class-1", theirs}});
  EXPECT_TRUE(store.room("RM_1")->missing.empty());
  EXPECT_EQ(store.room("RM_1")->status, Status::kRecording);
  // The composite refused while a participant is recorded: partial, and its reason stays.
  apply(store, {Decided{"RM_2", true, "top level", "room_composite,participant"},
                StartFailed{"RM_2", "invalid_argument: no bucket"},
                RecordingStarted{"RM_2", "EG_2", 1000, false, bob}});
  EXPECT_EQ(store.room("RM_2")->status, Status::kPartial);
  EXPECT_EQ(store.room("RM_2")->start_error, "invalid_argument: no bucket");
}

TEST_P(SqlStoreTest, AnEndedRecordingDoesNotBecomeActiveAgainWhenWebhooksArriveLate) {
  const auto opened = open();
  Store& store = *opened;
  Recording r;
  r.egress_id = "EG_1";
  r.status = model::EgressStatus::kFailed;
  r.error = "pipeline crashed";
  apply(store, {EgressReported{"RM_1", "x", r}});
  r.status = model::EgressStatus::kActive;  // egress_updated, delivered after egress_ended
  r.error.clear();
  apply(store, {EgressReported{"RM_1", "x", r}});
  const Session room = *store.room("RM_1");
  EXPECT_EQ(room.recordings.at(0).status, model::EgressStatus::kFailed);
  EXPECT_EQ(room.recordings.at(0).error, "pipeline crashed");
  EXPECT_EQ(room.status, Status::kPartial);
}

TEST_P(SqlStoreTest, AStopKnownWithoutItsWebhookStillMakesTheSessionStopped) {
  const auto opened = open();
  Store& store = *opened;
  apply(store, {RoomSeen{"RM_1", "hearing", 5000, "reconciler", ""},
                StoppedOnPurpose{"RM_1", "EG_9"}, RoomFinished{"RM_1", 9000, "hearing", 0, ""}});
  const Session room = *store.room("RM_1");
  ASSERT_EQ(room.recordings.size(), 1U);
  EXPECT_TRUE(room.recordings[0].stopped_on_purpose);
  EXPECT_EQ(room.status, Status::kStopped);
  // LiveKit's creation time, when it comes later, is the session's start.
  apply(store, {RoomSeen{"RM_1", "hearing", 4000, "webhook", ""}});
  EXPECT_EQ(store.room("RM_1")->started_ms, 4000);
  EXPECT_EQ(store.room("RM_1")->learned_from, "reconciler");
}

TEST_P(SqlStoreTest, QueriesFilterByWindowStatusAndNameNewestFirstInPages) {
  const auto opened = open();
  Store& store = *opened;
  std::vector<Entry> entries;
  for (int i = 0; i < 25; ++i) {
    const std::string sid = "RM_" + std::to_string(100 + i);
    entries.emplace_back(RoomSeen{sid, (i % 2 ? "class-" : "hearing-") + std::to_string(i),
                                  1000 + i * 10, "webhook", ""});
    entries.emplace_back(Decided{sid, i % 5 != 0, i % 5 != 0 ? "top level" : "rules[0]"});
  }
  store.apply(entries);
  Query query;
  query.limit = 10;
  std::vector<std::string> seen;
  for (;;) {
    Page page = store.rooms(query);
    for (const Session& room : page.rooms) seen.push_back(room.sid);
    if (!page.next) break;
    query.after = page.next;
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
}

TEST_P(SqlStoreTest, ASessionEndsOnceWhenTheRoomIsGoneAndNoRecordingIsActive) {
  const auto opened = open();
  Store& store = *opened;
  Recording active;
  active.egress_id = "EG_1";
  active.status = model::EgressStatus::kActive;
  EXPECT_TRUE(store
                  .apply(std::vector<Entry>{RoomSeen{"RM_1", "a", 1000, "webhook", ""},
                                            Decided{"RM_1", true, "top level"},
                                            RecordingStarted{"RM_1", "EG_1", 1100, false}})
                  .empty());
  // The room closes while its recording is still uploading: not ended yet.
  EXPECT_TRUE(store
                  .apply(std::vector<Entry>{EgressReported{"RM_1", "a", active},
                                            RoomFinished{"RM_1", 5000, "a", 0, ""}})
                  .empty());
  Recording done = active;
  done.status = model::EgressStatus::kComplete;
  done.ended_ms = 5100;
  EXPECT_EQ(store.apply(std::vector<Entry>{EgressReported{"RM_1", "a", done}}),
            std::vector<Status>{Status::kRecorded});
  // A webhook delivered twice does not end it twice.
  EXPECT_TRUE(store.apply(std::vector<Entry>{RoomFinished{"RM_1", 5000, "a", 0, ""}}).empty());
  // A skipped room ends with its room_finished.
  EXPECT_EQ(store.apply(std::vector<Entry>{RoomSeen{"RM_2", "b", 2000, "webhook", ""},
                                           Decided{"RM_2", false, "rules[0]"},
                                           RoomFinished{"RM_2", 3000, "b", 0, ""}}),
            std::vector<Status>{Status::kSkipped});
}

TEST_P(SqlStoreTest, PruneForgetsSessionsOlderThanTheRetentionOldestFirstInSteps) {
  const auto opened = open();
  Store& store = *opened;
  apply(store, {RoomSeen{"RM_old3", "a", 1300, "webhook", ""},
                RecordingStarted{"RM_old3", "EG_3", 1400, false},
                StartRetried{"RM_old3", "unavailable: busy", "k3"},
                RoomSeen{"RM_old1", "a", 1100, "webhook", ""},
                RecordingStarted{"RM_old1", "EG_1", 1200, false},
                RoomSeen{"RM_old2", "a", 1100, "webhook", ""},
                RoomSeen{"RM_new", "b", 5000, "webhook", ""},
                RecordingStarted{"RM_new", "EG_9", 5100, false}});
  // The oldest two: of the two of one millisecond, by sid.
  const Pruned first = store.prune(2000, 2);
  EXPECT_EQ(first.sessions, 2U);
  EXPECT_FALSE(first.done);
  EXPECT_FALSE(store.room("RM_old1"));
  EXPECT_FALSE(store.room("RM_old2"));
  EXPECT_TRUE(store.room("RM_old3"));
  const Pruned second = store.prune(2000, 2);
  EXPECT_EQ(second.sessions, 1U);
  EXPECT_TRUE(second.done);
  EXPECT_FALSE(store.room("RM_old3"));
  const auto kept = store.room("RM_new");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->recordings.size(), 1U);
  // Its recordings and retries went with it: the same sid seen again starts afresh.
  apply(store, {RoomSeen{"RM_old3", "a", 1300, "webhook", ""},
                StartRetried{"RM_old3", "unavailable: busy", "k3"}});
  EXPECT_TRUE(store.room("RM_old3")->recordings.empty());
  EXPECT_EQ(store.room("RM_old3")->retries, 1);
  EXPECT_EQ(store.prune(2000, 2).sessions, 1U);
  EXPECT_TRUE(store.prune(2000, 2).done);
}

TEST_P(SqlStoreTest, AReaderSeesWhatTheWriterWroteWhileItIsOpen) {
  const auto writer = open();
  apply(*writer, {RoomSeen{"RM_1", "a", 1000, "webhook", ""}});
  const auto reader = open(Access::kRead);
  EXPECT_TRUE(reader->room("RM_1"));
  apply(*writer, {RoomSeen{"RM_2", "b", 2000, "webhook", ""}});
  EXPECT_TRUE(reader->room("RM_2"));
  EXPECT_THROW(apply(*reader, {RoomSeen{"RM_3", "c", 3000, "webhook", ""}}), StoreError);
}

TEST_P(SqlStoreTest, TwoWritersStartingTogetherMigrateOnce) {
  std::unique_ptr<Store> a;
  std::unique_ptr<Store> b;
  std::thread other([&] { b = open(); });
  a = open();
  other.join();
  apply(*a, {RoomSeen{"RM_1", "a", 1000, "webhook", ""}});
  EXPECT_TRUE(b->room("RM_1"));
}

TEST(SqliteLedger, BadFilesAreReportedNeverRecreated) {
  const TestDirectory dir;
  const auto path = [&](const char* name = "ledger.db") { return dir.path(name); };
  const auto open = [&](const std::string& file, Access access) {
    return SqlStore(std::make_unique<SqliteDatabase>(file, access), access, file);
  };
  // Not a database: reported, and left as it was.
  const std::string junk = "this is not a database, it is a shopping list\n";
  { std::ofstream(path("junk.db")) << junk; }
  try {
    (void)open(path("junk.db"), Access::kWrite);
    FAIL() << "a text file opened as a ledger";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.db"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::filesystem::file_size(path("junk.db")), junk.size());
  // A directory that does not exist.
  EXPECT_THROW(open(path("missing/ledger.db"), Access::kWrite), StoreError);
  // Reading a ledger that was never written.
  EXPECT_THROW(open(path("none.db"), Access::kRead), StoreError);
  // A schema newer than this binary's.
  { (void)open(path(), Access::kWrite); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_exec(db,
               "PRAGMA user_version=99; UPDATE ledger_compat SET readable_by = 99, "
               "written_by = '9.9.0'",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    (void)open(path(), Access::kWrite);
    FAIL() << "a newer schema opened";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99 (written by auto-recorder 9.9.0) is "
                                         "newer than this binary's (" +
                                         std::to_string(SqlStore::schema_version()) +
                                         ") and changed what it relies on: run auto-recorder "
                                         "9.9.0 or later"),
              std::string::npos)
        << e.what();
  }
}

// A rollback over migrations that only added (ledger_compat says this binary still reads and
// writes the ledger) works; over one that changed what it relies on, it is refused.
TEST(SqliteLedger, ARollbackWorksOverMigrationsThatOnlyAdded) {
  const TestDirectory dir;
  const std::string file = dir.path("ledger.db");
  const auto open = [&](Access access) {
    return SqlStore(std::make_unique<SqliteDatabase>(file, access), access, file);
  };
  {
    SqlStore store = open(Access::kWrite);
    apply(store, {RoomSeen{"RM_1", "before", 1000, "webhook", ""}});
  }
  const auto newer = [&](int readable_by) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "PRAGMA user_version=" + std::to_string(SqlStore::schema_version() + 1) +
        "; UPDATE ledger_compat SET readable_by = " + std::to_string(readable_by) +
        ", written_by = '0.2.0'";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  };
  newer(SqlStore::schema_version());  // the next release only added
  {
    SqlStore store = open(Access::kWrite);  // the rolled-back binary writes on
    apply(store, {RoomSeen{"RM_2", "after", 2000, "webhook", ""}});
    EXPECT_TRUE(store.room("RM_1"));
    EXPECT_TRUE(open(Access::kRead).room("RM_2"));
  }
  newer(SqlStore::schema_version() + 1);  // it changed what this binary relies on
  EXPECT_THROW(open(Access::kWrite), StoreError);
  EXPECT_THROW(open(Access::kRead), StoreError);
}

std::string message_of(const std::function<void()>& work) {
  try {
    work();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PostgresLedger, ErrorsNameTheServerAndNeverThePassword) {
  const std::string url = postgres_url();
  ASSERT_FALSE(url.empty()) << "run through tests/postgres.sh run";
  const std::string password = url.substr(url.find(':', 11) + 1, 24);  // postgresql://ledger:PW@
  std::string wrong = url;
  wrong.replace(wrong.find(password), password.size(), "not-" + password);
  const std::string refused = message_of([&] { PostgresDatabase db(wrong, Access::kWrite); });
  EXPECT_NE(refused.find("postgresql://127.0.0.1:"), std::string::npos) << refused;
  EXPECT_NE(refused.find("password authentication failed"), std::string::npos) << refused;
  EXPECT_EQ(refused.find(password), std::string::npos) << refused;
  const std::string malformed = message_of(
      [&] { PostgresDatabase db("postgresql://ledger:" + password + "@[::1", Access::kWrite); });
  EXPECT_NE(malformed.find("is not a PostgreSQL URL"), std::string::npos) << malformed;
  EXPECT_EQ(malformed.find(password), std::string::npos) << malformed;
  const std::string unreachable = message_of([&] {
    PostgresDatabase db("postgresql://ledger:" + password + "@127.0.0.1:9/x", Access::kWrite);
  });
  EXPECT_NE(unreachable.find("cannot connect"), std::string::npos) << unreachable;
  EXPECT_EQ(unreachable.find(password), std::string::npos) << unreachable;
}

TEST(PostgresLedger, ANewerSchemaIsRefusedAndALostConnectionIsOpenedAgain) {
  ASSERT_FALSE(postgres_url().empty()) << "run through tests/postgres.sh run";
  PostgresDatabase admin(postgres_url(), Access::kWrite);
  admin.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  Settings settings;
  settings.postgres_url = postgres_url();
  const auto store = open_store(settings, Access::kWrite);
  apply(*store, {RoomSeen{"RM_1", "a", 1000, "webhook", ""}});
  // The server ends the connection (a restart, a failover): the next tries open it again.
  admin.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'auto-recorder' AND pid <> pg_backend_pid()");
  try {
    apply(*store, {RoomSeen{"RM_2", "b", 2000, "webhook", ""}});
  } catch (const StoreError&) {  // the write that found the connection gone; the writer retries
  }
  apply(*store, {RoomSeen{"RM_2", "b", 2000, "webhook", ""}});
  EXPECT_TRUE(store->room("RM_2"));
  admin.exec(
      "UPDATE ledger_schema SET version = 99; UPDATE ledger_compat SET readable_by = 99, "
      "written_by = '9.9.0'");
  const std::string newer = message_of([&] { (void)open_store(settings, Access::kWrite); });
  EXPECT_NE(newer.find("newer than this binary"), std::string::npos) << newer;
}

}  // namespace
}  // namespace ar::ledger
