#include "config/expand.hpp"

#include <gtest/gtest.h>

#include <map>

namespace ar::config {
namespace {

EnvLookup env_of(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

TEST(Expand, ReplacesVariablesAndDefaults) {
  const auto env = env_of({{"BUCKET", "recs"}, {"EMPTY", ""}});
  EXPECT_EQ(expand_variables("${BUCKET}", env), "recs");
  EXPECT_EQ(expand_variables("s3://${BUCKET}/x-${BUCKET}", env), "s3://recs/x-recs");
  EXPECT_EQ(expand_variables("${MISSING:-fallback}", env), "fallback");
  EXPECT_EQ(expand_variables("${EMPTY:-fallback}", env), "fallback");
  EXPECT_EQ(expand_variables("${BUCKET:-fallback}", env), "recs");
  EXPECT_EQ(expand_variables("${MISSING:-}", env), "");
  EXPECT_EQ(expand_variables("${EMPTY}", env), "");
}

TEST(Expand, LeavesOtherDollarsAlone) {
  const auto env = env_of({});
  EXPECT_EQ(expand_variables("pa$$word", env), "pa$word");
  EXPECT_EQ(expand_variables("$HOME and $", env), "$HOME and $");
  EXPECT_EQ(expand_variables("$${NOT_EXPANDED}", env), "${NOT_EXPANDED}");
  EXPECT_EQ(expand_variables("no variables", env), "no variables");
}

TEST(Expand, DoesNotExpandTwice) {
  const auto env = env_of({{"A", "${B}"}, {"B", "b"}});
  EXPECT_EQ(expand_variables("${A}", env), "${B}");
}

TEST(Expand, UnsetVariablesAndBadReferencesAreErrorsThatNameThem) {
  const auto env = env_of({});
  try {
    expand_variables("${S3_SECERT}", env);
    FAIL();
  } catch (const ExpandError& e) {
    EXPECT_STREQ(e.what(),
                 "${S3_SECERT} is not set: set the variable, or write ${S3_SECERT:-} to allow it "
                 "to be empty");
  }
  EXPECT_THROW(expand_variables("${UNTERMINATED", env), ExpandError);
  EXPECT_THROW(expand_variables("${}", env), ExpandError);
  EXPECT_THROW(expand_variables("${1ABC}", env), ExpandError);
  EXPECT_THROW(expand_variables("${A-B}", env), ExpandError);
}

}  // namespace
}  // namespace ar::config
