// The configuration reference and config.yaml.example list every setting the service reads:
// both are checked against the one settings table, so neither can drift from the code.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "config/load.hpp"
#include "config/settings.hpp"
#include "util/file.hpp"

namespace ar::config {
namespace {

std::string read_file(const std::string& path) {
  return util::read_small_file(path, std::size_t{1} << 20);
}

// The reference table as docs/configuration.md must show it.
std::string reference_table() {
  std::string out =
      "| YAML key | Environment variable | Default | Secret | Meaning |\n"
      "|---|---|---|---|---|\n";
  for (const Setting& s : all_settings()) {
    auto cell = [](std::string_view text) {
      if (text.empty()) return std::string("—");
      std::string quoted = "`";  // appended, not "`" + ...: GCC 12 -O3 warns (-Wrestrict) on that
      quoted += text;
      quoted += '`';
      return quoted;
    };
    out += "| " + cell(s.key) + " | " + cell(s.env) + " | " + cell(s.default_value) + " | " +
           (s.secret ? "yes" : "") + " | " + std::string(s.description) + " |\n";
  }
  return out;
}

TEST(Docs, ConfigurationReferenceListsEverySetting) {
  const std::string doc = read_file(PROJECT_SOURCE_DIR "/docs/configuration.md");
  const std::string begin = "<!-- settings:begin -->\n";
  const std::string end = "<!-- settings:end -->";
  const auto from = doc.find(begin);
  const auto to = doc.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  const std::string table = doc.substr(from + begin.size(), to - from - begin.size());
  EXPECT_EQ(table, reference_table())
      << "docs/configuration.md is out of date; replace the table between the markers with the "
         "expected text above";
}

TEST(Docs, ExampleConfigDocumentsEveryKeyAndLoads) {
  const std::string example = read_file(PROJECT_SOURCE_DIR "/config.yaml.example");
  // Each key's last part must start a line, commented out or not: "  # max_retries: 3".
  std::vector<std::string> keys;
  std::istringstream lines(example);
  for (std::string line; std::getline(lines, line);) {
    const auto start = line.find_first_not_of(" \t#");
    const auto colon = line.find(':', start);
    if (start != std::string::npos && colon != std::string::npos) {
      keys.push_back(line.substr(start, colon - start));
    }
  }
  for (const Setting& s : all_settings()) {
    const std::string leaf(s.key.substr(s.key.rfind('.') + 1));
    EXPECT_NE(std::find(keys.begin(), keys.end(), leaf), keys.end())
        << s.key << " is not in config.yaml.example";
  }
  const EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "LIVEKIT_API_SECRET") return "from-env";
    return std::nullopt;
  };
  const Config config = load_config(env, PROJECT_SOURCE_DIR "/config.yaml.example");
  EXPECT_EQ(recording::storage_name(*config.storage), "s3");
}

}  // namespace
}  // namespace ar::config
