#pragma once
// Every setting the service reads, in one table: its YAML key, its environment variable, its
// default and whether it is a secret. Loading, the configuration reference and redaction all
// read this table, so a setting cannot exist in one place and be missing from another.
#include <span>
#include <string_view>

namespace ar::config {

enum class Kind { kString, kBool, kInteger, kDuration, kStringMap, kStringList };

struct Setting {
  std::string_view key;  // dotted YAML path, e.g. "storage.s3.bucket"
  std::string_view env;  // environment variable, empty when there is none
  std::string_view default_value;
  Kind kind;
  bool secret;
  std::string_view description;
  // Its <ENV>_FILE may name a file that does not exist, which leaves it unset: an optional key of
  // the Kubernetes Secret, whose file is there only when the key is (api_token).
  bool file_optional = false;
};

std::span<const Setting> all_settings();

// A setting of how rooms are recorded (layout, outputs, encoding): the keys a rule may set.
bool is_recording_setting(std::string_view key);

// nullptr when the key is not a setting.
const Setting* find_setting(std::string_view key);

}  // namespace ar::config
