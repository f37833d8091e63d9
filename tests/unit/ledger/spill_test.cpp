// The spill file: every kind of entry survives the trip through a line of JSON, the file is
// written whole or not at all, and what cannot be read is counted, never guessed.
#include "ledger/spill.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ledger/store_fixture.hpp"

namespace ar::ledger {
namespace {

std::vector<Entry> one_of_each() {
  Recording r;
  r.egress_id = "EG_1";
  r.status = model::EgressStatus::kComplete;
  r.started_ms = 1100;
  r.ended_ms = 9000;
  r.error = "upload \"slow\"\n";
  r.files.push_back({"a.mp4", "s3://b/a.mp4", 1234567, 3599.5});
  r.playlist_location = "s3://b/a.m3u8";
  r.segment_count = 12;
  r.image_count = 3;
  r.manifest_location = "s3://b/a.json";
  r.retry_count = 1;
  r.backup_storage_used = true;
  Recording track = r;
  track.egress_id = "EG_4";
  track.kind = model::RecordingKind::kTrack;
  track.track_id = "TR_a";
  const auto subject = std::make_shared<const Subject>(
      Subject{model::RecordingKind::kTrack, "TR_a", "alice", "TR_a"});
  return {RoomSeen{"RM_1", "Chemistry 7B — Zürich", 1000, "webhook", R"({"course":"chem"})"},
          Decided{"RM_1", false, "rules[2] (classes)"},
          StartRetried{"RM_1", "unavailable: no response from servers", "7:1:2"},
          StartFailed{"RM_1", "invalid_argument: bucket does not exist"},
          RecordingStarted{"RM_1", "EG_1", 1100, true},
          EgressReported{"RM_1", "Chemistry 7B — Zürich", r},
          StoppedOnPurpose{"RM_1", "EG_1"},
          StoppedAsDuplicate{"RM_1", "EG_3", "EG_1"},
          RoomFinished{"RM_1", 9100, "Chemistry 7B — Zürich", 1000, "reconciler"},
          RecordingClosed{"RM_1", "EG_2", 9200},
          Decided{"RM_1", true, "top level", "room_composite,track"},
          StartFailed{"RM_1", "invalid_argument: no such track", subject},
          RecordingStarted{"RM_1", "EG_4", 1200, false, subject},
          EgressReported{"RM_1", "Chemistry 7B — Zürich", track}};
}

TEST(LedgerSpill, EveryKindOfEntryTravelsThroughALine) {
  for (const Entry& entry : one_of_each()) {
    const std::string line = encode_entry(entry);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    const auto back = decode_entry(line);
    ASSERT_TRUE(back) << line;
    EXPECT_EQ(back->index(), entry.index()) << line;
    EXPECT_EQ(encode_entry(*back), line);
  }
  // Written before the ledger kept participants and tracks: a composite, the room's own start.
  const auto older =
      decode_entry(R"({"type":"egress_reported","sid":"RM_1","recording":{"egress_id":"EG_1"}})");
  ASSERT_TRUE(older);
  EXPECT_EQ(std::get<EgressReported>(*older).recording().kind,
            model::RecordingKind::kRoomComposite);
  const auto started =
      decode_entry(R"({"type":"recording_started","sid":"RM_1","egress_id":"EG_1"})");
  ASSERT_TRUE(started);
  EXPECT_EQ(std::get<RecordingStarted>(*started).subject, nullptr);
  for (const char* line : {"", "{", "[]", R"({"type":"room_seen"})", R"({"type":"x","sid":"RM"})",
                           R"({"type":"egress_reported","sid":"RM_1"})"}) {
    EXPECT_FALSE(decode_entry(line)) << line;
  }
}

TEST(LedgerSpill, TheFileIsWrittenWholeAndReadBackWithWhatIsNotAnEntryCounted) {
  const testing::TestDirectory dir;
  const std::string path = dir.path("ledger.db.spill");
  EXPECT_TRUE(read_spill(path).entries.empty()) << "no file, nothing to replay";
  EXPECT_TRUE(write_spill(path, one_of_each()));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  SpillRead read = read_spill(path);
  ASSERT_EQ(read.entries.size(), one_of_each().size());
  EXPECT_EQ(encode_entry(read.entries.back()), encode_entry(one_of_each().back()));
  // A line torn by a full disk, or edited by hand.
  { std::ofstream(path, std::ios::app) << "{\"type\":\"room_seen\",\"sid\":\n"; }
  read = read_spill(path);
  EXPECT_EQ(read.entries.size(), one_of_each().size());
  EXPECT_EQ(read.unreadable, 1U);
  // A directory that does not exist: the reason names the file.
  const auto failed = write_spill(dir.path("missing/ledger.spill"), one_of_each());
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().find("missing/ledger.spill"), std::string::npos) << failed.error();
  EXPECT_FALSE(can_spill(dir.path("missing/ledger.spill")));
  EXPECT_TRUE(can_spill(path));
}

}  // namespace
}  // namespace ar::ledger
