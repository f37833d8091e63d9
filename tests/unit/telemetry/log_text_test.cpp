#include "telemetry/log_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ar::log {
namespace {

std::string value(std::string_view text) {
  std::string out;
  append_text_value(out, text);
  return out;
}

std::string message(std::string_view text) {
  std::string out;
  append_text_message(out, text);
  return out;
}

TEST(LogText, PlainValuesStayBareAndAmbiguousOnesAreQuoted) {
  EXPECT_EQ(value("class-7"), "class-7");
  EXPECT_EQ(value("salle-é"), "salle-é") << "UTF-8 names are written as they are";
  EXPECT_EQ(value(""), "\"\"");
  EXPECT_EQ(value("a b"), "\"a b\"");
  EXPECT_EQ(value("k=v"), "\"k=v\"");
  EXPECT_EQ(value("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(value("a\\b"), R"("a\\b")");
}

// Every character that can move the cursor, recolour the terminal, erase or forge a line.
TEST(LogText, NoControlCharacterIsWrittenRaw) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {std::string("a\x1b[31mred", 9), R"("a\u001b[31mred")"},
      {std::string("a\bb", 3), R"("a\u0008b")"},
      {std::string("a\vb", 3), R"("a\u000bb")"},
      {std::string("a\fb", 3), R"("a\u000cb")"},
      {std::string("a\0b", 3), R"("a\u0000b")"},
      {std::string("a\x7f"
                   "b",
                   3),
       R"("a\u007fb")"},
      {"a\nb", R"("a\nb")"},
      {"a\rb", R"("a\rb")"},
      {"a\tb", R"("a\tb")"},
      {"a\xc2\x85"
       "b",
       R"("a\u0085b")"},  // NEL
      {"a\xe2\x80\xa8"
       "b",
       R"("a\u2028b")"},
      {"a\xe2\x80\xa9"
       "b",
       R"("a\u2029b")"},
      {"a\xc2\x9b"
       "31m",
       R"("a\u009b31m")"},  // CSI
      {"a\xff"
       "b",
       R"("a\xffb")"},                          // not UTF-8
      {"a\xc0\xaf", R"("a\xc0\xaf")"},          // overlong
      {"a\xed\xa0\x80", R"("a\xed\xa0\x80")"},  // surrogate
      {"a\xe2\x80", R"("a\xe2\x80")"},          // cut short
  };
  for (const auto& [raw, shown] : cases) EXPECT_EQ(value(raw), shown);
  EXPECT_EQ(message("stopped\x1b[2K\rforged line"), R"(stopped\u001b[2K\rforged line)");
  EXPECT_EQ(message(R"(file_path "x" has \ in it)"), R"(file_path "x" has \ in it)");
}

}  // namespace
}  // namespace ar::log
