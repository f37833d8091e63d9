// The policy for one room: the first rule that fits decides whether it is recorded and with which
// settings; a room no rule fits gets the top level's.
#include "recording/policy.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <vector>

namespace ar::recording {
namespace {

Rule rule(std::string label, std::string glob, bool record, std::string_view metadata = "{}") {
  Rule r;
  r.label = std::move(label);
  r.match = make_room_match(std::move(glob), "", boost::json::parse(metadata).as_object());
  r.record = record;
  return r;
}

class PolicyTest : public ::testing::Test {
 protected:
  PolicyTest() {
    top_level.layout = "grid";
    rules.push_back(rule("rules[0] (lobby)", "lobby-*", false));
    rules.push_back(rule("rules[1]", "class-*", true));
    rules.back().recording.layout = "speaker";
    rules.push_back(rule("rules[2] (opt-out)", "", false, R"({"record": false})"));
  }

  Plan top_level;
  std::vector<Rule> rules;
};

TEST_F(PolicyTest, ARoomNoRuleFitsIsRecordedWithTheTopLevelSettings) {
  const Policy policy(top_level, rules);
  const Choice choice = policy.choose("hearing-7", "");
  EXPECT_EQ(choice.recording, &top_level);
  EXPECT_EQ(choice.rule, "top level");
  EXPECT_FALSE(choice.metadata_unparsable);
}

TEST_F(PolicyTest, TheFirstRuleThatFitsDecidesWithItsOwnSettingsOrNotAtAll) {
  const Policy policy(top_level, rules);
  const Choice lobby = policy.choose("lobby-1", R"({"record": true})");
  EXPECT_EQ(lobby.recording, nullptr);
  EXPECT_EQ(lobby.rule, "rules[0] (lobby)");
  const Choice recorded = policy.choose("class-9", R"({"record": false})");  // rules[1] first
  ASSERT_NE(recorded.recording, nullptr);
  EXPECT_EQ(recorded.recording->layout, "speaker");
  EXPECT_EQ(recorded.rule, "rules[1]");
  const Choice opted_out = policy.choose("hearing-7", R"({"record": false})");
  EXPECT_EQ(opted_out.recording, nullptr);
  EXPECT_EQ(opted_out.rule, "rules[2] (opt-out)");
}

TEST_F(PolicyTest, MetadataThatIsNotAnObjectFitsNoMetadataRuleAndIsSaid) {
  const Policy policy(top_level, rules);
  const Choice choice = policy.choose("hearing-7", "not json");
  EXPECT_EQ(choice.recording, &top_level);
  EXPECT_TRUE(choice.metadata_unparsable);
}

}  // namespace
}  // namespace ar::recording
