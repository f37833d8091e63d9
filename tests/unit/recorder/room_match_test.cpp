#include "recorder/room_match.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <vector>

namespace ar::recorder {
namespace {

RoomMatch glob(std::string pattern) {
  return make_room_match(std::move(pattern), "", {});
}
RoomMatch regex(std::string pattern) {
  return make_room_match("", std::move(pattern), {});
}
RoomMatch metadata(std::string_view json) {
  return make_room_match("", "", boost::json::parse(json).as_object());
}
std::optional<std::size_t> rule_for(const std::vector<RoomMatch>& rules, std::string_view name,
                                    std::string_view meta = "") {
  return first_match(rules, name, meta).rule;
}

TEST(RoomMatch, WithoutRulesNothingMatchesAndTheDefaultsApply) {
  EXPECT_FALSE(rule_for({}, "any-room"));
}

TEST(RoomMatch, GlobsCoverTheWholeName) {
  const std::vector rules{glob("class-*")};
  EXPECT_EQ(rule_for(rules, "class-7b"), 0U);
  EXPECT_EQ(rule_for(rules, "class-"), 0U);
  EXPECT_FALSE(rule_for(rules, "my-class-7b")) << "anchored at the start";
  EXPECT_FALSE(rule_for(rules, "Class-7b")) << "case matters, as in LiveKit's room names";
  const std::vector more{glob("lobby"), glob("tenant-?/*"), glob("room-[0-9][0-9]")};
  EXPECT_EQ(rule_for(more, "lobby"), 0U);
  EXPECT_FALSE(rule_for(more, "lobby-2")) << "anchored at the end";
  EXPECT_EQ(rule_for(more, "tenant-a/standup"), 1U) << "* crosses /";
  EXPECT_EQ(rule_for(more, "room-42"), 2U);
  EXPECT_FALSE(rule_for(more, "room-4x"));
}

TEST(RoomMatch, RegularExpressionsAreAnchored) {
  const std::vector rules{regex("phone-[0-9]+")};
  EXPECT_EQ(rule_for(rules, "phone-0175"), 0U);
  EXPECT_FALSE(rule_for(rules, "phone-0175x"));
  EXPECT_FALSE(rule_for(rules, "x-phone-0175"));
  EXPECT_EQ(rule_for({regex("(a|b)-.*")}, "b-room"), 0U);
}

TEST(RoomMatch, MetadataKeysMustBePresentWithTheirValues) {
  const std::vector rules{metadata(R"({"record": false})")};
  EXPECT_EQ(rule_for(rules, "r", R"({"record": false, "tenant": "x"})"), 0U);
  EXPECT_FALSE(rule_for(rules, "r", R"({"record": true})"));
  EXPECT_FALSE(rule_for(rules, "r", R"({"record": "false"})")) << "a string is not false";
  EXPECT_FALSE(rule_for(rules, "r", R"({"tenant": "x"})"));
  EXPECT_FALSE(rule_for(rules, "r", ""));
  const std::vector both{metadata(R"({"tenant": "acme", "tier": 2})")};
  EXPECT_EQ(rule_for(both, "r", R"({"tier": 2, "tenant": "acme"})"), 0U);
  EXPECT_FALSE(rule_for(both, "r", R"({"tenant": "acme"})"));
}

TEST(RoomMatch, UnparsableMetadataNeverMatchesAndIsReported) {
  const std::vector rules{metadata(R"({"record": false})"), glob("*")};
  for (const char* bad : {"not json", "[1,2]", "\"text\"", "{\"record\": fal"}) {
    const Decision decision = first_match(rules, "r", bad);
    EXPECT_EQ(decision.rule, 1U) << bad;
    EXPECT_TRUE(decision.metadata_unparsable) << bad;
  }
  EXPECT_FALSE(first_match(std::vector{glob("*")}, "r", "not json").metadata_unparsable)
      << "only reported when a rule needed the metadata";
  const Decision none = first_match(rules, "r", "");
  EXPECT_EQ(none.rule, 1U);
  EXPECT_FALSE(none.metadata_unparsable) << "a room without metadata is not a problem";
}

TEST(RoomMatch, TheFirstRuleThatFitsDecides) {
  const std::vector rules{glob("lobby"), metadata(R"({"record": false})"), glob("class-*"),
                          glob("*")};
  EXPECT_EQ(rule_for(rules, "lobby", R"({"record": true})"), 0U);
  EXPECT_EQ(rule_for(rules, "class-1", R"({"record": false})"), 1U);
  EXPECT_EQ(rule_for(rules, "class-1", "{}"), 2U);
  EXPECT_EQ(rule_for(rules, "standup"), 3U);
}

TEST(RoomMatch, AllPartsOfOneMatchMustHold) {
  const std::vector rules{
      make_room_match("class-*", "", boost::json::parse(R"({"recorded": true})").as_object())};
  EXPECT_EQ(rule_for(rules, "class-1", R"({"recorded": true})"), 0U);
  EXPECT_FALSE(rule_for(rules, "class-1", "{}"));
  EXPECT_FALSE(rule_for(rules, "lobby", R"({"recorded": true})"));
}

TEST(RoomMatch, RefusesWhatCannotWork) {
  EXPECT_THROW(make_room_match("a*", "a.*", {}), std::invalid_argument);
  try {
    make_room_match("", "class-(", {});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("room_regex \"class-(\" is not a regular expression"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace ar::recorder
