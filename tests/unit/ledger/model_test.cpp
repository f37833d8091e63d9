#include "ledger/model.hpp"

#include <gtest/gtest.h>

namespace ar::ledger {
namespace {

Session room(bool finished, std::initializer_list<model::EgressStatus> statuses) {
  Session r;
  r.sid = "RM_1";
  r.decision = "record";
  r.started_ms = 1000;
  r.finished_ms = finished ? 9000 : 0;
  for (const model::EgressStatus status : statuses) {
    Recording recording;
    recording.egress_id = "EG_" + std::to_string(r.recordings.size());
    recording.status = status;
    r.recordings.push_back(recording);
  }
  return r;
}

TEST(LedgerStatus, OneStatusPerSession) {
  EXPECT_EQ(status_of(room(false, {model::EgressStatus::kActive})), Status::kRecording);
  EXPECT_EQ(status_of(room(true, {model::EgressStatus::kComplete})), Status::kRecorded);
  // Still uploading when the room closed: covered by an active recording.
  EXPECT_EQ(status_of(room(true, {model::EgressStatus::kEnding})), Status::kRecorded);
  EXPECT_EQ(status_of(room(true, {model::EgressStatus::kFailed, model::EgressStatus::kComplete})),
            Status::kPartial);
  EXPECT_EQ(status_of(room(false, {model::EgressStatus::kAborted, model::EgressStatus::kActive})),
            Status::kPartial);
  EXPECT_EQ(status_of(room(true, {model::EgressStatus::kLimitReached})), Status::kPartial);
  EXPECT_EQ(status_of(room(true, {})), Status::kUnrecorded);
  EXPECT_EQ(status_of(room(false, {})), Status::kUnrecorded);
  // Every recording ended while the room goes on.
  EXPECT_EQ(status_of(room(false, {model::EgressStatus::kComplete})), Status::kStopped);
  Session stopped = room(true, {model::EgressStatus::kComplete});
  stopped.recordings[0].stopped_on_purpose = true;
  EXPECT_EQ(status_of(stopped), Status::kStopped);
  // Stored as the recorder decided it, whenever the recording ended: no guess from the times.
  stopped.finished_ms = 60000;
  stopped.recordings[0].ended_ms = 59999;
  EXPECT_EQ(status_of(stopped), Status::kStopped);
  stopped.recordings[0].stopped_on_purpose = false;
  stopped.recordings[0].ended_ms = 30000;  // not decided: the room closed without being listed
  EXPECT_EQ(status_of(stopped), Status::kRecorded);
  Session skipped = room(true, {});
  skipped.decision = "skip";
  EXPECT_EQ(status_of(skipped), Status::kSkipped);
}

// Recordings of participants and tracks beside (or instead of) the room's composite: each counts
// when the rule asked for its kind, and whatever the rule asked for that is missing makes the
// session partial.
TEST(LedgerStatus, EveryKindTheRuleAskedForCountsAndAMissingOneMakesItPartial) {
  const auto of = [](Session s, model::RecordingKind kind, model::EgressStatus status) {
    Recording r;
    r.egress_id = "EG_" + std::to_string(s.recordings.size());
    r.kind = kind;
    r.status = status;
    r.participant = "alice";
    s.recordings.push_back(r);
    return s;
  };
  using K = model::RecordingKind;
  using E = model::EgressStatus;
  Session both = room(true, {E::kComplete});
  both.asked = "room_composite,participant";
  EXPECT_EQ(status_of(of(both, K::kParticipant, E::kComplete)), Status::kRecorded);
  EXPECT_EQ(status_of(of(both, K::kParticipant, E::kFailed)), Status::kPartial);
  Session missing = of(both, K::kParticipant, E::kComplete);
  missing.missing.push_back({{K::kParticipant, "PA_b", "bob", ""}, "invalid_argument: x"});
  EXPECT_EQ(status_of(missing), Status::kPartial);
  // The composite asked for and never started, while the participants were recorded.
  Session no_composite = room(true, {});
  no_composite.asked = "room_composite,participant";
  EXPECT_EQ(status_of(no_composite), Status::kUnrecorded);
  EXPECT_EQ(status_of(of(no_composite, K::kParticipant, E::kComplete)), Status::kPartial);
  // Participants only: their recordings end as they leave, and the room is recorded meanwhile.
  Session participants = room(false, {});
  participants.asked = "participant";
  // Nobody published: nothing to record, nothing missed; a refused one is missed.
  EXPECT_EQ(status_of(participants), Status::kRecording);
  participants.finished_ms = 9000;
  EXPECT_EQ(status_of(participants), Status::kRecorded);
  participants.missing.push_back({{K::kParticipant, "PA_b", "bob", ""}, "refused"});
  EXPECT_EQ(status_of(participants), Status::kUnrecorded);
  participants.missing.clear();
  participants.finished_ms = 0;
  participants = of(participants, K::kParticipant, E::kComplete);
  EXPECT_EQ(status_of(participants), Status::kRecording);
  participants.finished_ms = 9000;
  EXPECT_EQ(status_of(participants), Status::kRecorded);
  // A kind the rule did not ask for (an application's track egress) counts for nothing.
  EXPECT_EQ(status_of(of(room(true, {E::kComplete}), K::kTrack, E::kFailed)), Status::kRecorded);
  EXPECT_EQ(status_of(of(room(true, {}), K::kTrack, E::kComplete)), Status::kUnrecorded);
  // The composite's end while the room lives is a stop, whatever its participants' do.
  Session live = room(false, {E::kComplete});
  live.asked = "room_composite,participant";
  EXPECT_EQ(status_of(of(live, K::kParticipant, E::kActive)), Status::kStopped);
  EXPECT_TRUE(asks_for(live, K::kParticipant));
  EXPECT_FALSE(asks_for(live, K::kTrack));
  live.decision = "skip";
  EXPECT_FALSE(asks_for(live, K::kRoomComposite));
}

TEST(LedgerStatus, NamesRoundTrip) {
  for (Status s : {Status::kRecording, Status::kRecorded, Status::kPartial, Status::kStopped,
                   Status::kSkipped, Status::kUnrecorded}) {
    EXPECT_EQ(model::kSessionStatusNames.named(to_string(s)), s);
  }
  EXPECT_EQ(model::kSessionStatusNames.named("done"), std::nullopt);
}

TEST(LedgerStatus, StartDelayIsFromTheRoomsCreationToItsFirstRecording) {
  Session r = room(false, {model::EgressStatus::kActive});
  EXPECT_EQ(start_delay_seconds(r), -1);  // no start known yet
  r.first_recording_ms = 3500;
  EXPECT_DOUBLE_EQ(start_delay_seconds(r), 2.5);
  r.first_recording_ms = 500;  // a clock behind LiveKit's
  EXPECT_DOUBLE_EQ(start_delay_seconds(r), 0);
}

}  // namespace
}  // namespace ar::ledger
