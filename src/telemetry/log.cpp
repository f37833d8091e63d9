#include "telemetry/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "telemetry/log_text.hpp"
#include "util/redact.hpp"

namespace ar::log {
namespace {

Format g_format = Format::kText;

void append_json_string(std::string& out, std::string_view value) {
  out += boost::json::serialize(boost::json::string_view(value.data(), value.size()));
}

void write(spdlog::level::level_enum level, std::string_view message, Fields given) {
  const auto& logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  // A URL with a password (in a LiveKit error, a configuration value) never reaches the log.
  std::string redacted_message;
  if (util::has_url_user_info(message)) {
    redacted_message = util::redact_url_passwords(message);
    message = redacted_message;
  }
  std::span<const Field> fields(given.begin(), given.size());
  std::vector<std::string> redacted_values;
  std::vector<Field> redacted_fields;
  if (std::any_of(given.begin(), given.end(),
                  [](const Field& f) { return util::has_url_user_info(f.value); })) {
    redacted_values.reserve(given.size());
    for (const Field& field : given) {
      redacted_values.push_back(util::redact_url_passwords(field.value));
      redacted_fields.push_back({field.key, redacted_values.back()});
    }
    fields = redacted_fields;
  }
  std::string line;
  if (g_format == Format::kJson) {
    // The pattern supplies {"ts":...,"level":...,  and this supplies the rest of the object.
    line += "\"msg\":";
    append_json_string(line, message);
    for (const Field& field : fields) {
      line += ",";
      append_json_string(line, field.key);
      line += ":";
      append_json_string(line, field.value);
    }
    line += "}";
  } else {
    append_text_message(line, message);
    for (const Field& field : fields) {
      line += " ";
      line += field.key;
      line += "=";
      append_text_value(line, field.value);
    }
  }
  logger->log(level, "{}", line);
}

}  // namespace

void setup(const Settings& settings) {
  g_format = settings.format;
  auto logger = std::make_shared<spdlog::logger>("auto-recorder",
                                                 std::make_shared<spdlog::sinks::stdout_sink_mt>());
  if (settings.format == Format::kJson) {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v)",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc);
  }
  switch (settings.level) {
    case Level::kDebug:
      logger->set_level(spdlog::level::debug);
      break;
    case Level::kInfo:
      logger->set_level(spdlog::level::info);
      break;
    case Level::kWarn:
      logger->set_level(spdlog::level::warn);
      break;
    case Level::kError:
      logger->set_level(spdlog::level::err);
      break;
  }
  logger->flush_on(spdlog::level::trace);  // a line is visible when it is written
  spdlog::set_default_logger(std::move(logger));
}

void debug(std::string_view message, Fields fields) {
  write(spdlog::level::debug, message, fields);
}
void info(std::string_view message, Fields fields) {
  write(spdlog::level::info, message, fields);
}
void warn(std::string_view message, Fields fields) {
  write(spdlog::level::warn, message, fields);
}
void error(std::string_view message, Fields fields) {
  write(spdlog::level::err, message, fields);
}
void at(Level level, std::string_view message, Fields fields) {
  switch (level) {
    case Level::kDebug:
      return debug(message, fields);
    case Level::kInfo:
      return info(message, fields);
    case Level::kWarn:
      return warn(message, fields);
    case Level::kError:
      return error(message, fields);
  }
}

}  // namespace ar::log
