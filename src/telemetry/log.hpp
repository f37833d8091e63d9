#pragma once
// One log line per decision, with named fields: readable text for people, or one JSON object
// per line. Callers pass values already free of secrets; nothing here knows a secret.
#include <initializer_list>
#include <string_view>

namespace ar::log {

struct Field {
  std::string_view key;
  std::string_view value;
};

using Fields = std::initializer_list<Field>;

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

struct Settings {
  Level level = Level::kInfo;
  Format format = Format::kText;
};

void setup(const Settings& settings);

void debug(std::string_view message, Fields fields = {});
void info(std::string_view message, Fields fields = {});
void warn(std::string_view message, Fields fields = {});
void error(std::string_view message, Fields fields = {});
// At a level chosen at run time.
void at(Level level, std::string_view message, Fields fields = {});

}  // namespace ar::log
