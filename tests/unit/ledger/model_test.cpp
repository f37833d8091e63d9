#include "ledger/model.hpp"

#include <gtest/gtest.h>

namespace ar::ledger {
namespace {

Room room(bool finished, std::initializer_list<std::string> statuses) {
  Room r;
  r.sid = "RM_1";
  r.decision = "record";
  r.started_ms = 1000;
  r.finished_ms = finished ? 9000 : 0;
  for (const std::string& status : statuses) {
    Recording recording;
    recording.egress_id = "EG_" + std::to_string(r.recordings.size());
    recording.status = status;
    r.recordings.push_back(recording);
  }
  return r;
}

TEST(LedgerStatus, OneStatusPerSession) {
  EXPECT_EQ(status_of(room(false, {"EGRESS_ACTIVE"})), Status::kRecording);
  EXPECT_EQ(status_of(room(true, {"EGRESS_COMPLETE"})), Status::kRecorded);
  // Still uploading when the room closed: covered by an active recording.
  EXPECT_EQ(status_of(room(true, {"EGRESS_ENDING"})), Status::kRecorded);
  EXPECT_EQ(status_of(room(true, {"EGRESS_FAILED", "EGRESS_COMPLETE"})), Status::kPartial);
  EXPECT_EQ(status_of(room(false, {"EGRESS_ABORTED", "EGRESS_ACTIVE"})), Status::kPartial);
  EXPECT_EQ(status_of(room(true, {"EGRESS_LIMIT_REACHED"})), Status::kPartial);
  EXPECT_EQ(status_of(room(true, {})), Status::kUnrecorded);
  EXPECT_EQ(status_of(room(false, {})), Status::kUnrecorded);
  // Every recording ended while the room goes on.
  EXPECT_EQ(status_of(room(false, {"EGRESS_COMPLETE"})), Status::kStopped);
  Room stopped = room(true, {"EGRESS_COMPLETE"});
  stopped.recordings[0].stopped_on_purpose = true;
  EXPECT_EQ(status_of(stopped), Status::kStopped);  // when it ended is unknown
  stopped.finished_ms = 60000;
  stopped.recordings[0].ended_ms = 30000;  // half a minute before the room closed
  EXPECT_EQ(status_of(stopped), Status::kStopped);
  stopped.recordings[0].ended_ms = 58000;  // as the room closed (egress_ended before room_finished)
  EXPECT_EQ(status_of(stopped), Status::kRecorded);
  Room skipped = room(true, {});
  skipped.decision = "skip";
  EXPECT_EQ(status_of(skipped), Status::kSkipped);
}

TEST(LedgerStatus, NamesRoundTrip) {
  for (Status s : {Status::kRecording, Status::kRecorded, Status::kPartial, Status::kStopped,
                   Status::kSkipped, Status::kUnrecorded}) {
    Status back{};
    ASSERT_TRUE(status_named(to_string(s), back));
    EXPECT_EQ(back, s);
  }
  Status unused{};
  EXPECT_FALSE(status_named("done", unused));
}

TEST(LedgerStatus, StartDelayIsFromTheRoomsCreationToItsFirstRecording) {
  Room r = room(false, {"EGRESS_ACTIVE"});
  EXPECT_EQ(start_delay_seconds(r), -1);  // no start known yet
  r.first_recording_ms = 3500;
  EXPECT_DOUBLE_EQ(start_delay_seconds(r), 2.5);
  r.first_recording_ms = 500;  // a clock behind LiveKit's
  EXPECT_DOUBLE_EQ(start_delay_seconds(r), 0);
}

}  // namespace
}  // namespace ar::ledger
