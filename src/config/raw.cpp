#include "config/raw.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <stdexcept>

#include "config/error.hpp"
#include "config/files.hpp"
#include "config/settings.hpp"
#include "util/duration.hpp"
#include "util/text.hpp"

namespace ar::config {
namespace {

constexpr std::string_view kFileSuffix = "_file";

// "storage.s3.secret" for "storage.s3.secret_file", when that names a secret setting.
const Setting* secret_for_file_key(std::string_view key) {
  if (!key.ends_with(kFileSuffix)) return nullptr;
  const Setting* setting = find_setting(key.substr(0, key.size() - kFileSuffix.size()));
  return setting != nullptr && setting->secret ? setting : nullptr;
}

bool is_section(std::string_view path) {
  const std::string prefix = std::string(path) + ".";
  return std::any_of(all_settings().begin(), all_settings().end(),
                     [&](const Setting& s) { return s.key.starts_with(prefix); });
}

// Stops at the first alias, naming its line.
class AliasFinder : public YAML::EventHandler {
 public:
  explicit AliasFinder(const std::string& file) : file_(file) {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    throw ConfigError(file_ + ":" + std::to_string(mark.line + 1) +
                      ": YAML aliases (*name) are not supported: write the value out (a few "
                      "hundred bytes of nested aliases can expand to gigabytes)");
  }
  void OnDocumentStart(const YAML::Mark& /*mark*/) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnScalar(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {}
  void OnSequenceStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value /*style*/) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {}
  void OnMapEnd() override {}

 private:
  const std::string& file_;
};

}  // namespace

void refuse_aliases(const std::string& text, const std::string& file) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  AliasFinder finder(file);
  // The first document only, as YAML::Load reads it (past a broken one, asking for the next
  // document can loop forever in yaml-cpp 0.7).
  parser.HandleNextDocument(finder);
}

std::string lower(std::string_view text) {
  return util::lower(text);
}

std::string trim(std::string_view text) {
  return std::string(util::trim(text));
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t begin = 0; begin <= text.size();) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    std::string item = trim(text.substr(begin, comma - begin));
    if (!item.empty()) out.push_back(std::move(item));
    begin = comma + 1;
  }
  return out;
}

std::string name_of(std::string_view key) {
  const Setting* setting = find_setting(key);
  std::string out(key);
  if (setting != nullptr && !setting->env.empty()) out += " (" + std::string(setting->env) + ")";
  return out;
}

YamlReader::YamlReader(YamlScope scope, const EnvLookup& env, RawSettings& raw)
    : scope_(std::move(scope)), env_(env), raw_(raw) {}

bool YamlReader::allowed(std::string_view key) const {
  return scope_.allowed == nullptr || scope_.allowed(key);
}

std::string YamlReader::shown(std::string_view path) const {
  if (std::string(path) + "." == scope_.strip) return scope_.shown;  // the scope itself
  if (!path.starts_with(scope_.strip)) return scope_.shown + std::string(path);
  return scope_.shown + std::string(path.substr(scope_.strip.size()));
}

void YamlReader::read_mapping(const YAML::Node& node, const std::string& prefix) {
  if (node.IsNull()) return;
  if (!node.IsMap()) fail(prefix, node, "must be a mapping");
  for (const auto& item : node) {
    if (!item.first.IsScalar()) fail(prefix, item.first, "has a key that is not a name");
    const std::string& key = item.first.Scalar();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    const YAML::Node& value = item.second;
    if (prefix.empty() &&
        std::find(scope_.own_keys.begin(), scope_.own_keys.end(), key) != scope_.own_keys.end()) {
      continue;
    }
    const Setting* setting = allowed(path) ? find_setting(path) : nullptr;
    const bool section = is_section(path) && allowed(path + ".");
    if (setting != nullptr && setting->kind == Kind::kStringMap) {
      read_string_map(value, path);
    } else if (setting != nullptr && setting->kind == Kind::kStringList && value.IsSequence()) {
      read_string_list(value, path);
    } else if (setting != nullptr && !(section && value.IsMap())) {  // `storage: egress`
      if (value.IsNull()) continue;  // "key:" with nothing after it leaves the default
      if (!value.IsScalar()) fail(path, value, "must be a single value");
      raw_.values[path] = expand(path, value.Scalar());
      raw_.origins[path] = scope_.file;
    } else if (const Setting* secret = secret_for_file_key(path); secret && allowed(secret->key)) {
      if (value.IsNull()) continue;
      if (!value.IsScalar()) fail(path, value, "must be a file path");
      raw_.yaml_files[std::string(secret->key)] = expand(path, value.Scalar());
    } else if (section && value.IsScalar() && lower(value.Scalar()) == "false") {
      raw_.switched_off.insert(path);  // "segments: false": no such output here
    } else if (section) {
      raw_.sections.insert(path);
      read_mapping(value, path);
    } else {
      std::string best;
      std::size_t best_distance = 3;  // suggest only near misses
      auto consider = [&](std::string_view candidate) {
        const std::size_t distance = util::edit_distance(path, candidate);
        if (distance < best_distance) {
          best_distance = distance;
          best = std::string(candidate);
        }
      };
      for (std::string_view own : scope_.own_keys) consider(scope_.strip + std::string(own));
      for (const Setting& known : all_settings()) {
        if (!allowed(known.key)) continue;
        for (std::size_t dot = 0; dot != std::string_view::npos;) {
          dot = known.key.find('.', dot + 1);
          consider(known.key.substr(0, dot));
        }
      }
      const std::string known_kind = "is not a known " + std::string(scope_.kind);
      fail(path, item.first,
           best.empty() ? known_kind + " (see docs/configuration.md)"
                        : known_kind + ": did you mean \"" + shown(best) + "\"?");
    }
  }
}

void YamlReader::read_string_map(const YAML::Node& node, const std::string& path) {
  if (node.IsNull()) return;
  if (!node.IsMap()) fail(path, node, "must be a mapping of names to values");
  Strings& target = raw_.maps[path];
  for (const auto& item : node) {
    if (!item.first.IsScalar()) fail(path, item.first, "keys must be names");
    if (!item.second.IsScalar()) fail(path, item.second, "values must be single values");
    target[item.first.Scalar()] = expand(path, item.second.Scalar());
  }
}

// A YAML list is kept as the comma-separated text its environment variable would hold.
void YamlReader::read_string_list(const YAML::Node& node, const std::string& path) {
  std::string joined;
  for (const auto& item : node) {
    if (!item.IsScalar()) fail(path, item, "must be a list of single values");
    if (!joined.empty()) joined += ',';
    joined += expand(path, item.Scalar());
  }
  raw_.values[path] = joined;
  raw_.origins[path] = scope_.file;
}

std::string YamlReader::expand(const std::string& path, const std::string& text) {
  try {
    return expand_variables(text, env_);
  } catch (const ExpandError& e) {
    // The message quotes part of the value; for a secret not even that part may be shown.
    if (const Setting* setting = find_setting(path); setting != nullptr && setting->secret) {
      throw ConfigError(scope_.file + ": " + shown(path) +
                        ": a \"${\" in the value cannot be expanded (the value is a secret and is "
                        "not shown): write ${NAME} of a variable that is set, ${NAME:-} to allow "
                        "it to be empty, or $$ for a literal $");
    }
    throw ConfigError(scope_.file + ": " + shown(path) + ": " + e.what());
  }
}

void YamlReader::fail(const std::string& path, const YAML::Node& node,
                      const std::string& problem) const {
  const YAML::Mark mark = node.Mark();
  std::string where = scope_.file;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  const std::string what =
      path.empty() && scope_.shown.empty() ? std::string("the file") : shown(path);
  throw ConfigError(where + ": \"" +
                    (what.ends_with('.') ? what.substr(0, what.size() - 1) : what) + "\" " +
                    problem);
}

void read_yaml_secret_files(const std::string& file, RawSettings& raw) {
  for (const auto& [key, path] : raw.yaml_files) {
    if (raw.values.contains(key)) {
      throw ConfigError(file + ": set either " + key + " or " + key + "_file, not both");
    }
    raw.values[key] = read_secret_file(key + "_file", path);
    raw.origins[key] = file + " (" + key + "_file)";
  }
}

Reader::Reader(const RawSettings& raw, std::string strip, std::string shown)
    : raw_(raw), strip_(std::move(strip)), shown_(std::move(shown)) {}

std::string Reader::name(std::string_view key) const {
  if (shown_.empty()) return name_of(key);
  if (key.starts_with(strip_)) key.remove_prefix(strip_.size());
  return shown_ + std::string(key);
}

std::optional<std::string> Reader::get(std::string_view key) const {
  if (auto it = raw_.values.find(key); it != raw_.values.end()) return it->second;
  return std::nullopt;
}

std::string Reader::text(std::string_view key) const {
  if (auto value = get(key)) return *value;
  const Setting* setting = find_setting(key);
  // Every key the loader asks for is in the settings table; one that is not is a bug here.
  if (setting == nullptr) throw std::logic_error("no such setting: " + std::string(key));
  return std::string(setting->default_value);
}

std::string Reader::required(std::string_view key, std::string_view why) const {
  std::string value = text(key);
  if (value.empty()) {
    throw ConfigError(name(key) + " is required" + std::string(why) + ": set it in " +
                      (shown_.empty() ? "the config file or the environment" : "the config file"));
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string value = lower(text);
  if (value == "true" || value == "yes" || value == "1" || value == "on") return true;
  if (value == "false" || value == "no" || value == "0" || value == "off") return false;
  return std::nullopt;
}

bool Reader::boolean(std::string_view key) const {
  const std::string value = text(key);
  if (const auto parsed = parse_bool(value)) return *parsed;
  throw ConfigError(name(key) + ": \"" + value + "\" is not true or false");
}

std::uint64_t Reader::integer(std::string_view key, std::uint64_t min, std::uint64_t max) const {
  const std::string value = text(key);
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end != value.data() + value.size() || number < min || number > max) {
    throw ConfigError(name(key) + ": \"" + value + "\" is not a whole number from " +
                      std::to_string(min) + " to " + std::to_string(max));
  }
  return number;
}

std::chrono::milliseconds Reader::duration(std::string_view key, bool allow_zero) const {
  const std::string value = text(key);
  const auto parsed = util::parse_duration(value);
  if (!parsed || (!allow_zero && parsed->count() == 0)) {
    throw ConfigError(name(key) + ": \"" + value + "\" is not a duration such as 500ms, 10s " +
                      "or 1m30s" + (allow_zero ? "" : " (and must be above zero)"));
  }
  return *parsed;
}

Strings Reader::map(std::string_view key) const {
  if (auto it = raw_.maps.find(std::string(key)); it != raw_.maps.end()) return it->second;
  return {};
}

bool Reader::section_present(std::string_view section) const {
  const std::string prefix = std::string(section) + ".";
  auto under = [&](const auto& entry) { return entry.first.starts_with(prefix); };
  return raw_.sections.contains(section) ||
         std::any_of(raw_.values.begin(), raw_.values.end(), under) ||
         std::any_of(raw_.maps.begin(), raw_.maps.end(), under);
}

std::string Reader::section_origin(std::string_view section) const {
  const std::string prefix = std::string(section) + ".";
  std::vector<std::string> set_by;
  for (const auto& [key, origin] : raw_.origins) {
    if (key.starts_with(prefix)) set_by.push_back(name(key) + " set by " + origin);
  }
  return set_by.empty() ? name(section) + " in " + raw_.file : util::join(set_by, ", ");
}

bool Reader::switched_off(std::string_view section) const {
  return raw_.switched_off.contains(section);
}

}  // namespace ar::config
