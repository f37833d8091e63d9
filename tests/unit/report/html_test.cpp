#include "report/html.hpp"

#include <gtest/gtest.h>

namespace ar::report {
namespace {

using ledger::File;
using ledger::Recording;

Session session(std::string sid, std::string name, Status status) {
  Session room;
  room.sid = std::move(sid);
  room.name = std::move(name);
  room.status = status;
  room.started_ms = 1'000'000;
  room.finished_ms = 1'100'000;
  return room;
}

TEST(LedgerHtml, CountsTheWholeWindowAndShowsTheRowsItIsGiven) {
  HtmlPage page;
  Session recorded = session("RM_a", "class-a", Status::kRecorded);
  Recording r;
  r.egress_id = "EG_1";
  r.status = model::EgressStatus::kComplete;
  r.started_ms = 1'010'000;  // 10 % into the room's life
  r.ended_ms = 1'100'000;
  r.files.push_back({"a.mp4", "https://store.example/a.mp4?sig=1&x=2", 5, 90});
  recorded.recordings.push_back(r);
  recorded.first_recording_ms = 1'010'000;
  const Session hearing = session("RM_b", "hearing", Status::kUnrecorded);
  page.rooms = {recorded, hearing, session("RM_c", "class-c", Status::kUnrecorded)};
  // More sessions than the page shows: the counts are the window's.
  page.counts = {{Status::kRecorded, 1}, {Status::kUnrecorded, 1500}};
  page.truncated = true;
  const std::string all = rooms_html(page);
  EXPECT_NE(all.find("class=\"all current\" data-count=\"1501\""), std::string::npos) << all;
  EXPECT_NE(all.find("class=\"status unrecorded\" data-count=\"1500\""), std::string::npos);
  EXPECT_NE(all.find("class=\"status partial\" data-count=\"0\""), std::string::npos);
  EXPECT_NE(all.find("Only the newest 3 sessions are shown"), std::string::npos);
  EXPECT_NE(all.find("<tr id=\"RM_a\" data-status=\"recorded\">"), std::string::npos);
  EXPECT_NE(all.find("<td class=\"delay\">10.0s</td>"), std::string::npos);
  EXPECT_NE(all.find("style=\"left:10.0%;width:90.0%\""), std::string::npos);
  EXPECT_NE(all.find("<a href=\"https://store.example/a.mp4?sig=1&amp;x=2\">"), std::string::npos);
  EXPECT_EQ(all.find("backup storage"), std::string::npos);
  page.rooms.front().recordings.front().backup_storage_used = true;
  EXPECT_NE(
      rooms_html(page).find("EG_1: uploaded to egress's backup storage, not where the rule said"),
      std::string::npos)
      << "a warning: the file is not where the rule said";
  page.showing = Status::kUnrecorded;
  page.rooms = {hearing};
  page.truncated = false;
  const std::string filtered = rooms_html(page);
  EXPECT_EQ(filtered.find("<tr id=\"RM_a\""), std::string::npos);
  EXPECT_NE(filtered.find("<tr id=\"RM_b\""), std::string::npos);
  EXPECT_NE(filtered.find("class=\"status unrecorded current\""), std::string::npos);
  EXPECT_NE(filtered.find("data-count=\"1501\""), std::string::npos);  // counts stay whole
  page.showing = Status::kPartial;
  page.rooms.clear();
  EXPECT_NE(rooms_html(page).find("No room sessions with status partial"), std::string::npos);
}

// record: [room, participants, tracks]: the room's files first, then each participant's and
// track's under its name, then whom the rule asked for and was not recorded; the bar shows the
// composite alone.
TEST(LedgerHtml, RecordingsAreShownByKindWithWhomTheyRecordAndWhoIsMissing) {
  HtmlPage page;
  Session room = session("RM_a", "class-a", Status::kPartial);
  room.decision = "record";
  room.asked = "room_composite,participant,track";
  const auto add = [&room](std::string id, model::RecordingKind kind, std::string participant,
                           std::string track, std::string location) {
    Recording r;
    r.egress_id = std::move(id);
    r.kind = kind;
    r.participant = std::move(participant);
    r.track_id = std::move(track);
    r.status = model::EgressStatus::kComplete;
    r.started_ms = 1'050'000;
    r.ended_ms = 1'100'000;
    r.files.push_back({"f", std::move(location), 5, 50});
    room.recordings.push_back(std::move(r));
  };
  add("EG_t", model::RecordingKind::kTrack, "alice", "TR_a", "s3://b/track.ogg");
  add("EG_p", model::RecordingKind::kParticipant, "alice", "", "s3://b/alice.mp4");
  add("EG_r", model::RecordingKind::kRoomComposite, "", "", "s3://b/room.mp4");
  room.missing.push_back(
      {{model::RecordingKind::kParticipant, "PA_b", "<bob>", ""}, "invalid_argument: no"});
  page.rooms = {room};
  const std::string html = rooms_html(page);
  const auto at = [&html](std::string_view text) { return html.find(text); };
  ASSERT_NE(at("s3://b/room.mp4"), std::string::npos) << html;
  EXPECT_LT(at("s3://b/room.mp4"), at("<b class=\"kind\">participant alice</b>"));
  EXPECT_LT(at("participant alice</b>"), at("s3://b/alice.mp4"));
  EXPECT_LT(at("s3://b/alice.mp4"), at("<b class=\"kind\">track TR_a of alice</b>"));
  EXPECT_LT(at("track TR_a of alice</b>"), at("s3://b/track.ogg"));
  EXPECT_NE(at("participant &lt;bob&gt;</b> <small class=\"missing\">not recorded: "
               "invalid_argument: no</small>"),
            std::string::npos)
      << html;
  EXPECT_NE(at("data-egress=\"EG_r\""), std::string::npos);
  EXPECT_EQ(at("data-egress=\"EG_p\""), std::string::npos) << "the bar is the composite's";
}

TEST(LedgerHtml, WhatRoomsAndEgressSayIsEscapedAndOnlyKnownSchemesAreLinks) {
  HtmlPage page;
  Session room = session("RM_x", "<script>alert('x')</script>", Status::kPartial);
  Recording r;
  r.egress_id = "EG_\"1";
  r.status = model::EgressStatus::kFailed;
  r.error = "<b>boom</b>";
  r.files.push_back({"f", "javascript:alert(1)", 0, 0});
  room.recordings.push_back(r);
  page.rooms = {room};
  const std::string html = rooms_html(page);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("href=\"javascript:"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;boom&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("data-egress=\"EG_&quot;1\""), std::string::npos);
  EXPECT_NE(html.find("class=\"failed\""), std::string::npos);
}

}  // namespace
}  // namespace ar::report
