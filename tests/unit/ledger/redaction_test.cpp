// The ledger's door for secrets (ledger/redaction.hpp): entries lose their URLs' passwords before
// they are queued, rows an older version wrote lose them as they are read, and the file and its
// side files are the owner's alone whatever the umask.
#include "ledger/redaction.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "ledger/sql_store.hpp"
#include "ledger/sqlite_database.hpp"
#include "ledger/store_fixture.hpp"

namespace ar::ledger {
namespace {

using testing::apply;
using testing::recording;
using testing::TestDirectory;

constexpr std::string_view kPassword = "minio-PASSWORD-42";
const std::string kEndpoint = "http://minio-user:" + std::string(kPassword) + "@minio:9000";

bool shows_password(const std::string& text) {
  return text.find(kPassword) != std::string::npos;
}

bool shows_password(const Session& room) {
  if (shows_password(room.name) || shows_password(room.metadata) ||
      shows_password(room.start_error) || shows_password(room.rule)) {
    return true;
  }
  for (const Recording& r : room.recordings) {
    if (shows_password(r.error) || shows_password(r.playlist_location) ||
        shows_password(r.manifest_location)) {
      return true;
    }
    for (const File& f : r.files) {
      if (shows_password(f.location) || shows_password(f.filename)) return true;
    }
  }
  return false;
}

Recording failed_upload() {
  Recording r = recording("EG_1", model::EgressStatus::kFailed, 1000, 2000);
  r.error = "upload to " + kEndpoint + "/recordings failed: 403";
  r.files.push_back({"room.mp4", kEndpoint + "/recordings/room.mp4", 0, 0});
  r.playlist_location = kEndpoint + "/recordings/room.m3u8";
  r.manifest_location = kEndpoint + "/recordings/room.json";
  return r;
}

TEST(LedgerRedaction, EveryTextOfAnEntryLosesItsUrlPasswords) {
  std::vector<Entry> entries{
      RoomSeen{"RM_1", "room", 1000, "webhook", R"({"hook":")" + kEndpoint + "\"}"},
      StartRetried{"RM_1", "unavailable: " + kEndpoint + " is down", "k1"},
      StartFailed{"RM_1", "invalid_argument: bad endpoint " + kEndpoint},
      EgressReported("RM_1", "room", failed_upload()),
  };
  for (Entry& entry : entries) redact(entry);
  EXPECT_NE(std::get<RoomSeen>(entries[0]).metadata.find("minio-user:<redacted>@minio:9000"),
            std::string::npos);
  EXPECT_EQ(std::get<StartRetried>(entries[1]).error,
            "unavailable: http://minio-user:<redacted>@minio:9000 is down");
  EXPECT_FALSE(shows_password(std::get<StartFailed>(entries[2]).error));
  const Recording& r = std::get<EgressReported>(entries[3]).recording();
  EXPECT_EQ(r.files.at(0).location, "http://minio-user:<redacted>@minio:9000/recordings/room.mp4");
  EXPECT_FALSE(shows_password(r.error) || shows_password(r.playlist_location) ||
               shows_password(r.manifest_location));
  EXPECT_EQ(r.egress_id, "EG_1");
}

// A row an older version wrote is not rewritten, but no read shows its password.
TEST(LedgerRedaction, RowsWrittenBeforeAreRedactedOnRead) {
  const TestDirectory dir;
  const std::string file = dir.path();
  SqlStore store(std::make_unique<SqliteDatabase>(file, Access::kWrite), Access::kWrite, file);
  // Applied straight to the store, as an older version's writer did, without the door.
  apply(store, {RoomSeen{"RM_1", "room", 1000, "webhook", ""},
                StartFailed{"RM_1", "invalid_argument: " + kEndpoint},
                RoomSeen{"RM_2", "other", 2000, "webhook", ""},
                EgressReported("RM_2", "other", failed_upload())});
  const auto one = store.room("RM_1");
  ASSERT_TRUE(one);
  EXPECT_FALSE(shows_password(*one));
  EXPECT_EQ(one->start_error, "invalid_argument: http://minio-user:<redacted>@minio:9000");
  Query query;
  query.since_ms = 0;
  query.metadata_cap = Query::kWholeMetadata;
  const Page page = store.rooms(query);
  ASSERT_EQ(page.rooms.size(), 2U);
  for (const Session& room : page.rooms) EXPECT_FALSE(shows_password(room)) << room.sid;
  ASSERT_EQ(page.rooms.front().recordings.size(), 1U);
  EXPECT_EQ(page.rooms.front().recordings.front().files.at(0).location,
            "http://minio-user:<redacted>@minio:9000/recordings/room.mp4");
  // The row itself is as it was written.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT start_error FROM rooms WHERE sid = 'RM_1'", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_TRUE(shows_password(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(LedgerFiles, TheFileAndItsSideFilesAreTheOwnersAloneWhateverTheUmask) {
  const TestDirectory dir;
  const std::string file = dir.path();
  const mode_t before = ::umask(0);  // the widest: files SQLite makes would be 0644
  {
    SqlStore store(std::make_unique<SqliteDatabase>(file, Access::kWrite), Access::kWrite, file);
    apply(store, {RoomSeen{"RM_1", "room", 1000, "webhook", ""}});
    EXPECT_EQ(mode_of(file), 0600U);
    EXPECT_EQ(mode_of(file + "-wal"), 0600U);
    EXPECT_EQ(mode_of(file + "-shm"), 0600U);
  }
  // A file an older version made 0644 is tightened at the next start.
  ::chmod(file.c_str(), 0644);
  {
    SqlStore store(std::make_unique<SqliteDatabase>(file, Access::kWrite), Access::kWrite, file);
    EXPECT_EQ(mode_of(file), 0600U);
  }
  ::umask(before);
}

}  // namespace
}  // namespace ar::ledger
