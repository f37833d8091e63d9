#include "recording/room_match.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <vector>

namespace ar::recording {
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

TEST(RoomMatch, IgnoreCaseCoversGlobsAndRegularExpressionsUnicodeToo) {
  const std::vector rules{make_room_match("class-*", "", {}, true),
                          make_room_match("", "sitzung-[a-zäöü]+", {}, true)};
  EXPECT_EQ(rule_for(rules, "CLASS-7B"), 0U);
  EXPECT_EQ(rule_for(rules, "Class-7b"), 0U);
  EXPECT_EQ(rule_for(rules, "SITZUNG-ÄRZTE"), 1U);
  EXPECT_FALSE(rule_for(rules, "my-class-7b")) << "still anchored";
}

TEST(RoomMatch, PatternsInTheWrongFieldAreRecognised) {
  for (const char* glob_like : {"class-*", "*", "tenant-a*", "room*-x"}) {
    EXPECT_TRUE(looks_like_glob(glob_like)) << glob_like;
  }
  for (const char* regex : {"class-.*", "(a|b)*", "room-[0-9]*", "x\\*", "a+b*", "phone-[0-9]+"}) {
    EXPECT_FALSE(looks_like_glob(regex)) << regex;
  }
  for (const char* regex_like : {"call-[0-9]+", "^lobby$", "(a|b)", "class-.*", "x\\d{4}"}) {
    EXPECT_TRUE(looks_like_regex(regex_like)) << regex_like;
  }
  for (const char* glob : {"class-*", "room-[0-9]?", "tenant-?/*", "lobby", "[!x]*"}) {
    EXPECT_FALSE(looks_like_regex(glob)) << glob;
  }
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

TEST(RoomMatch, GlobsMeanWhatFnmatchMeans) {
  EXPECT_EQ(glob_to_regex("class-*"), "class\\-.*");
  const auto fits = [](std::string pattern, std::string_view name) {
    return rule_for({glob(std::move(pattern))}, name).has_value();
  };
  EXPECT_TRUE(fits("room-[!0-9]", "room-x"));
  EXPECT_FALSE(fits("room-[!0-9]", "room-5"));
  EXPECT_TRUE(fits("room-[^0-9]", "room-x"));
  EXPECT_TRUE(fits("[]x]", "]"));
  EXPECT_TRUE(fits("[a-]", "-"));
  EXPECT_TRUE(fits("[[:digit:]]x", "7x"));
  EXPECT_TRUE(fits("a\\*b", "a*b"));
  EXPECT_FALSE(fits("a\\*b", "axb"));
  EXPECT_TRUE(fits("call[", "call[")) << "an unclosed [ is an ordinary character";
  EXPECT_TRUE(fits("a.b+c(d)", "a.b+c(d)")) << "regex characters are literal in a glob";
  EXPECT_FALSE(fits("a.b", "axb"));
  EXPECT_TRUE(fits("*", "")) << "* matches nothing too";
  EXPECT_TRUE(fits("é-*", "é-salle")) << "UTF-8 names";
  EXPECT_TRUE(fits("?-x", "é-x")) << "? is one character, not one byte";
}

TEST(RoomMatch, RegularExpressionsAreRe2) {
  EXPECT_EQ(rule_for({regex("(?i)CLASS-.*")}, "class-7"), 0U) << "(?i) makes it case-insensitive";
  EXPECT_EQ(rule_for({regex(R"(sip-\d+)")}, "sip-0175"), 0U);
  try {
    (void)regex(R"((a)\1)");
    FAIL() << "a backreference must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular expression RE2 accepts"), std::string::npos)
        << e.what();
  }
}

// Names come from end users and can be as long as a webhook body; matching them takes time
// linear in the name, and no stack per character (std::regex crashed on 30 000 characters).
TEST(RoomMatch, NamesOfAnyLengthAreMatchedWithoutCrashing) {
  const std::vector rules{regex("(sip|call)-[0-9]+"), glob("*a*a*a*a*a*a*a*a*b")};
  const std::string digits = "sip-" + std::string(1 << 20, '1');
  EXPECT_EQ(rule_for(rules, digits), 0U);
  EXPECT_FALSE(rule_for(rules, "sip-" + std::string(60000, '1') + "x"));
  // Eight stars over a megabyte of 'a' without a 'b': a backtracking matcher never finishes.
  EXPECT_FALSE(rule_for(rules, std::string(1 << 20, 'a')));
  EXPECT_EQ(rule_for(rules, std::string(1 << 20, 'a') + "b"), 1U);
}

}  // namespace
}  // namespace ar::recording
