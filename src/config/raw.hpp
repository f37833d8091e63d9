#pragma once
// What the YAML file and the environment said, before conversion: read from YAML with the keys
// checked against the settings table, then typed with errors that name the setting. The parts
// of the configuration (top level, storages, rules) are each read through these.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/expand.hpp"

namespace ar::config {

using Strings = std::map<std::string, std::string, std::less<>>;

struct RawSettings {
  Strings values;                                   // setting key -> text
  Strings origins;                                  // setting key -> where the text came from
  std::map<std::string, Strings> maps;              // setting key -> map (storage.s3.metadata)
  std::set<std::string, std::less<>> sections;      // mapping keys present, e.g. "storage.s3"
  std::set<std::string, std::less<>> switched_off;  // sections given as false ("segments")
  Strings yaml_files;                               // secret key -> path from its "<key>_file"
  std::string file;          // the YAML file's name, for messages about rules and storages
  YAML::Node rules;          // the top level's `rules:` list, read by read_rules
  YAML::Node storages;       // the top level's `storages:` map, read by read_named_storages
  YAML::Node notifications;  // the top level's `notifications:` list, read by read_notifications
};

std::string lower(std::string_view text);
std::string trim(std::string_view text);
std::vector<std::string> split_list(std::string_view text);  // "a, b" -> {"a", "b"}

// "storage.s3.bucket (S3_BUCKET)", or just the key when it has no environment variable.
std::string name_of(std::string_view key);

// "true"/"yes"/"on"/"1" and "false"/"no"/"off"/"0", any case; nullopt for anything else. The one
// reading of a boolean for settings, environment variables and rules alike.
std::optional<bool> parse_bool(std::string_view text);

// Throws ConfigError naming the line of the first YAML alias (*name) in `text`: aliases are not
// supported, so that a small file cannot expand to gigabytes.
void refuse_aliases(const std::string& text, const std::string& file);

// Which part of the file a YamlReader reads, and how its keys are named in messages.
struct YamlScope {
  std::string file{};   // "config.yaml", for "config.yaml:12: ..."
  std::string strip{};  // leading part of the internal key not shown ("storage.")
  std::string shown{};  // shown instead ("storages.acme.", "rules[2].")
  bool (*allowed)(std::string_view key) = nullptr;  // null: every setting
  std::vector<std::string_view> own_keys{};         // handled by the caller, skipped here
  std::string_view kind = "setting";                // "is not a known <kind>"
};

class YamlReader {
 public:
  YamlReader(YamlScope scope, const EnvLookup& env, RawSettings& raw);

  // Reads a mapping whose keys are under `prefix` ("" for the file itself).
  void read_mapping(const YAML::Node& node, const std::string& prefix);

  // "config.yaml:12: \"rules[2].layout\" <problem>"
  [[noreturn]] void fail(const std::string& path, const YAML::Node& node,
                         const std::string& problem) const;

  std::string shown(std::string_view path) const;

 private:
  void read_string_map(const YAML::Node& node, const std::string& path);
  void read_string_list(const YAML::Node& node, const std::string& path);
  std::string expand(const std::string& path, const std::string& text);
  bool allowed(std::string_view key) const;

  YamlScope scope_;
  const EnvLookup& env_;
  RawSettings& raw_;
};

// Secrets given as "<key>_file" in YAML replace the value; both at once is an error.
void read_yaml_secret_files(const std::string& file, RawSettings& raw);

// Typed access to raw settings, with the table's defaults and errors that name the setting as
// the operator wrote it: "storage.s3.bucket (S3_BUCKET)" at the top level, "rules[2].layout" or
// "storages.acme.s3.bucket" inside a rule or a named storage.
class Reader {
 public:
  explicit Reader(const RawSettings& raw, std::string strip = {}, std::string shown = {});

  std::string name(std::string_view key) const;
  std::optional<std::string> get(std::string_view key) const;
  std::string text(std::string_view key) const;
  std::string required(std::string_view key, std::string_view why) const;
  bool boolean(std::string_view key) const;
  std::uint64_t integer(std::string_view key, std::uint64_t min, std::uint64_t max) const;
  std::chrono::milliseconds duration(std::string_view key, bool allow_zero) const;
  Strings map(std::string_view key) const;
  // Any key under `section` ("storage.s3", "segments") is set, or the section itself is there.
  bool section_present(std::string_view section) const;
  bool switched_off(std::string_view section) const;
  // What put settings under `section` there, for conflicts: "storage.gcp.bucket set by
  // $GCP_BUCKET, storage.gcp.credentials_json set by config.yaml".
  std::string section_origin(std::string_view section) const;
  bool scoped() const { return !shown_.empty(); }  // inside a rule or a named storage

 private:
  const RawSettings& raw_;
  std::string strip_;
  std::string shown_;
};

}  // namespace ar::config
