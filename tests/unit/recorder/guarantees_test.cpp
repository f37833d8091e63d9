// docs/guarantees.md names, for each failure it covers, the unit test that shows it: each name
// must be a test of this binary, so the table cannot point at a test that was renamed or removed.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "util/file.hpp"

namespace ar::recorder {
namespace {

std::set<std::string> test_names() {
  std::set<std::string> names;
  const auto& unit = *::testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const auto& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) names.insert(suite.GetTestInfo(t)->name());
  }
  return names;
}

TEST(Guarantees, EveryFailureInTheTableNamesUnitTestsThatExist) {
  const std::string doc =
      util::read_small_file(PROJECT_SOURCE_DIR "/docs/guarantees.md", std::size_t{1} << 20);
  const auto names = test_names();
  const auto begin = doc.find("| failure | outcome | integration test | unit test");
  ASSERT_NE(begin, std::string::npos);
  std::size_t rows = 0;
  std::size_t named = 0;
  for (std::size_t at = doc.find('\n', begin) + 1; at < doc.size() && doc[at] == '|';) {
    const std::size_t end = doc.find('\n', at);
    const std::string row = doc.substr(at, end - at);
    at = end + 1;
    if (row.starts_with("|---")) continue;
    ++rows;
    const std::string unit_cell = row.substr(row.rfind('|', row.size() - 2));
    // Each row names its unit tests, or says with a dash why it has none.
    EXPECT_TRUE(unit_cell.find('`') != std::string::npos ||
                unit_cell.find("—") != std::string::npos)
        << row;
    for (std::size_t tick = unit_cell.find('`'); tick != std::string::npos;) {
      const std::size_t close = unit_cell.find('`', tick + 1);
      const std::string name = unit_cell.substr(tick + 1, close - tick - 1);
      EXPECT_TRUE(names.contains(name)) << "docs/guarantees.md names " << name;
      ++named;
      tick = unit_cell.find('`', close + 1);
    }
  }
  EXPECT_GE(rows, 20U);
  EXPECT_GE(named, rows);
}

}  // namespace
}  // namespace ar::recorder
