#include "report/rooms.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>

namespace ar::report {
namespace {

using ledger::File;
using ledger::Recording;

constexpr std::int64_t kNow = 1'764'504'000'000;  // 2025-11-30T12:00:00Z

TEST(LedgerTime, Rfc3339InUtc) {
  EXPECT_EQ(rfc3339(kNow), "2025-11-30T12:00:00Z");
  EXPECT_EQ(rfc3339(kNow + 250), "2025-11-30T12:00:00.250Z");
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
}

// The time, or none when it does not parse.
std::optional<std::int64_t> time_of(std::string_view text, std::int64_t now_ms) {
  const auto at = parse_time(text, now_ms);
  return at ? std::optional(*at) : std::nullopt;
}

TEST(LedgerTime, ArgumentsAreRfc3339OrADurationBack) {
  EXPECT_EQ(time_of("24h", kNow), kNow - 24 * 3600 * 1000);
  EXPECT_EQ(time_of("7d", kNow), kNow - 7 * 24 * 3600 * 1000LL);
  EXPECT_EQ(time_of("90m", kNow), kNow - 90 * 60 * 1000);
  EXPECT_EQ(time_of("2025-11-30T12:00:00Z", 0), kNow);
  EXPECT_EQ(time_of("2025-11-30T13:00:00+01:00", 0), kNow);
  EXPECT_EQ(time_of("2025-11-30T12:00:00.5Z", 0), kNow + 500);
  for (const char* bad : {"", "yesterday", "7", "-1d", "2025-11-30", "2025-13-01T00:00:00Z",
                          "2025-11-30T12:00:00", "2025-11-30T12:00:00+0100", "d"}) {
    EXPECT_FALSE(parse_time(bad, kNow)) << bad;
  }
  // What is out of range is named.
  for (const auto& [bad, named] : std::vector<std::pair<std::string, std::string>>{
           {"2025-11-30T12:00:00+24:00", "UTC offset is out of range"},
           {"2025-11-30T12:00:00-05:60", "UTC offset is out of range"},
           {"2025-02-29T12:00:00Z", "no such date"},
           {"2025-11-30T24:00:00Z", "no such time of day"},
           {"36501d", "more than 36500 days back"},
           {"99999999999999999999d", "more than 36500 days back"}}) {
    const auto refused = parse_time(bad, kNow);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().find(named), std::string::npos) << bad << ": " << refused.error();
  }
  EXPECT_EQ(time_of("2025-11-30T12:00:00-23:59", 0), kNow + (23 * 60 + 59) * 60 * 1000);
}

Session sample() {
  Session room;
  room.sid = "RM_1";
  room.name = "hearing, day 2";
  room.started_ms = kNow;
  room.finished_ms = kNow + 3600 * 1000;
  room.decision = "record";
  room.rule = "top level";
  room.first_recording_ms = kNow + 1500;
  Recording r;
  r.egress_id = "EG_1";
  r.status = model::EgressStatus::kComplete;
  r.started_ms = kNow + 1500;
  r.ended_ms = kNow + 3600 * 1000;
  r.files.push_back({"h.mp4", "s3://b/h.mp4", 42, 3598.5});
  room.recordings.push_back(r);
  room.status = status_of(room);
  return room;
}

TEST(LedgerReport, JsonHasTheApisShape) {
  const auto doc = boost::json::parse(rooms_json({sample()})).as_object();
  const auto& room = doc.at("rooms").as_array().at(0).as_object();
  EXPECT_EQ(room.at("sid").as_string(), "RM_1");
  EXPECT_EQ(room.at("status").as_string(), "recorded");
  EXPECT_EQ(room.at("started_at").as_string(), "2025-11-30T12:00:00Z");
  EXPECT_EQ(room.at("finished_at").as_string(), "2025-11-30T13:00:00Z");
  EXPECT_DOUBLE_EQ(room.at("start_delay_seconds").as_double(), 1.5);
  const auto& recording = room.at("recordings").as_array().at(0).as_object();
  EXPECT_EQ(recording.at("egress_id").as_string(), "EG_1");
  const auto& file = recording.at("files").as_array().at(0).as_object();
  EXPECT_EQ(file.at("location").as_string(), "s3://b/h.mp4");
  EXPECT_EQ(file.at("size").as_int64(), 42);
  EXPECT_DOUBLE_EQ(file.at("duration_seconds").as_double(), 3598.5);
  EXPECT_EQ(recording.at("kind").as_string(), "room_composite");
  EXPECT_EQ(room.at("asked"), boost::json::parse(R"(["room_composite"])"));
  EXPECT_TRUE(room.at("missing").as_array().empty());
  Session live = sample();
  live.finished_ms = 0;
  EXPECT_TRUE(boost::json::parse(room_json(live)).as_object().at("finished_at").is_null());
}

TEST(LedgerReport, EachRecordingSaysItsKindAndWhomAndTheSessionWhatItMisses) {
  Session room = sample();
  room.asked = "room_composite,participant";
  Recording alice;
  alice.egress_id = "EG_2";
  alice.kind = model::RecordingKind::kParticipant;
  alice.participant = "alice";
  alice.status = model::EgressStatus::kComplete;
  alice.files.push_back({"a.mp4", "s3://b/alice.mp4", 9, 60});
  room.recordings.insert(room.recordings.begin(), alice);
  room.missing.push_back({{model::RecordingKind::kParticipant, "PA_b", "bob", ""}, "refused"});
  room.status = status_of(room);
  const auto doc = boost::json::parse(room_json(room)).as_object();
  EXPECT_EQ(doc.at("status").as_string(), "partial");
  EXPECT_EQ(doc.at("asked"), boost::json::parse(R"(["room_composite","participant"])"));
  const auto& first = doc.at("recordings").as_array().at(0).as_object();
  EXPECT_EQ(first.at("kind").as_string(), "participant");
  EXPECT_EQ(first.at("participant").as_string(), "alice");
  EXPECT_EQ(doc.at("missing"),
            boost::json::parse(R"([{"kind":"participant","sid":"PA_b","participant":"bob",)"
                               R"("track_id":"","error":"refused"}])"));
  const std::string csv = rooms_csv({room});
  // The composite's file is the room's location, whichever recording is older.
  EXPECT_NE(csv.find(",2,s3://b/h.mp4,,1,0,1\n"), std::string::npos) << csv;
}

TEST(LedgerReport, CsvQuotesWhatNeedsQuoting) {
  const std::string csv = rooms_csv({sample()});
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "sid,name,status,started_at,finished_at,rule,start_delay_seconds,recordings,location,"
            "start_error,participant_recordings,track_recordings,missing");
  EXPECT_NE(csv.find("RM_1,\"hearing, day 2\",recorded,2025-11-30T12:00:00Z"), std::string::npos)
      << csv;
  EXPECT_NE(csv.find("s3://b/h.mp4"), std::string::npos);
}

TEST(LedgerReport, EachFormatIsWrittenRoomByRoom) {
  for (const char* format : {"table", "json", "csv"}) {
    std::ostringstream out;
    const auto writer = room_writer(format, out);
    ASSERT_TRUE(writer) << format;
    writer->begin();
    const auto header = out.str().size();
    writer->room(sample());
    EXPECT_GT(out.str().size(), header) << format << ": a room is out before the next is read";
    writer->end();
  }
  std::ostringstream out;
  EXPECT_FALSE(room_writer("xml", out));
  EXPECT_EQ(rooms_json({}), R"({"rooms":[]})");
}

TEST(LedgerReport, TableCountsEachStatus) {
  Session failed = sample();
  failed.sid = "RM_2";
  failed.recordings.clear();
  failed.start_error = "invalid_argument: bad bucket";
  failed.status = status_of(failed);
  const std::string table = rooms_table({sample(), failed});
  EXPECT_NE(table.find("s3://b/h.mp4"), std::string::npos);
  EXPECT_NE(table.find("invalid_argument: bad bucket"), std::string::npos);
  EXPECT_NE(table.find("2 room session(s), 1 recorded, 1 unrecorded"), std::string::npos) << table;
}

// Whether `text` holds a byte a terminal would act on, other than the newline that ends a row:
// C0, DEL, C1 (U+0080 to U+009F as UTF-8) or the line and paragraph separators.
bool has_raw_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
    if (text.substr(i, 3) == "\u2028" || text.substr(i, 3) == "\u2029") return true;
  }
  return false;
}

Session hostile() {
  Session room = sample();
  // OSC (set the title), CSI (clear the screen), a CR and an LF forging a row, a C1 CSI, U+2028.
  room.name =
      "a\x1b]0;owned\x07"
      "b\x1b[2Jc\rd\nRM_9,forged,recorded\u009b1me\u2028f\x7f";
  room.start_error = "\x1b[31mred\x1b[0m";
  room.recordings.clear();
  room.status = status_of(room);
  return room;
}

TEST(LedgerReport, TheTableEscapesEveryControlCharacter) {
  const std::string table = rooms_table({hostile()});
  EXPECT_FALSE(has_raw_control(table)) << table;
  EXPECT_NE(
      table.find(R"(a\u001b]0;owned\u0007b\u001b[2Jc\rd\nRM_9,forged,recorded\u009b1me\u2028f)"),
      std::string::npos)
      << table;
  EXPECT_NE(table.find(R"(\u001b[31mred\u001b[0m)"), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3) << "header, one row, the counts";
}

TEST(LedgerReport, CsvEscapesControlsAndGuardsFormulas) {
  const std::string hostile_csv = rooms_csv({hostile()});
  EXPECT_FALSE(has_raw_control(hostile_csv)) << hostile_csv;
  EXPECT_EQ(std::count(hostile_csv.begin(), hostile_csv.end(), '\n'), 2) << "header and one row";
  for (const std::string formula : {"=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"}) {
    Session room = sample();
    room.name = formula;
    const std::string csv = rooms_csv({room});
    std::string quoted = "\"'";
    for (const char c : formula) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    EXPECT_NE(csv.find("RM_1," + quoted + "\","), std::string::npos) << csv;
  }
  Session plain = sample();
  plain.name = "class-1";
  EXPECT_NE(rooms_csv({plain}).find("RM_1,class-1,recorded"), std::string::npos);
}

}  // namespace
}  // namespace ar::report
