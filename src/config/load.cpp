#include "config/load.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "config/duration.hpp"
#include "config/settings.hpp"
#include "livekit/host.hpp"

namespace ar::config {
namespace {

using Strings = std::map<std::string, std::string, std::less<>>;

// What the YAML file and the environment said, before conversion and validation.
struct RawSettings {
  Strings values;                               // setting key -> text
  Strings origins;                              // setting key -> where the text came from
  std::map<std::string, Strings> maps;          // setting key -> map (storage.s3.metadata)
  std::set<std::string, std::less<>> sections;  // mapping keys present, e.g. "storage.s3"
  Strings yaml_files;                           // secret key -> path from its "<key>_file"
};

constexpr std::string_view kFileSuffix = "_file";

// "storage.s3.secret" for "storage.s3.secret_file", when that names a secret setting.
const Setting* secret_for_file_key(std::string_view key) {
  if (!key.ends_with(kFileSuffix)) return nullptr;
  const Setting* setting = find_setting(key.substr(0, key.size() - kFileSuffix.size()));
  return setting != nullptr && setting->secret ? setting : nullptr;
}

// A secret mounted as a file (Kubernetes Secret volumes): its content, without the trailing
// newline editors and `echo` add.
std::string read_secret_file(std::string_view setting, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError(std::string(setting) + ": cannot read the secret file " + path +
                      ": check the path and that the file is mounted and readable");
  }
  std::ostringstream content;
  content << file.rdbuf();
  std::string text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "storage.s3.bucket (S3_BUCKET)", or just the key when it has no environment variable.
std::string name_of(std::string_view key) {
  const Setting* setting = find_setting(key);
  std::string out(key);
  if (setting != nullptr && !setting->env.empty()) out += " (" + std::string(setting->env) + ")";
  return out;
}

bool is_section(std::string_view path) {
  const std::string prefix = std::string(path) + ".";
  return std::any_of(all_settings().begin(), all_settings().end(),
                     [&](const Setting& s) { return s.key.substr(0, prefix.size()) == prefix; });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The known key or section closest to an unknown one, for "did you mean".
std::string closest_known(std::string_view path) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only near misses
  auto consider = [&](std::string_view candidate) {
    const std::size_t distance = edit_distance(path, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  };
  for (const Setting& setting : all_settings()) {
    for (std::size_t dot = 0; dot != std::string_view::npos;) {
      dot = setting.key.find('.', dot + 1);
      consider(setting.key.substr(0, dot));
    }
  }
  return best;
}

class YamlReader {
 public:
  YamlReader(std::string file, const EnvLookup& env, RawSettings& raw)
      : file_(std::move(file)), env_(env), raw_(raw) {}

  void read_mapping(const YAML::Node& node, const std::string& prefix) {
    if (node.IsNull()) return;
    if (!node.IsMap()) fail(prefix.empty() ? "the file" : prefix, node, "must be a mapping");
    for (const auto& item : node) {
      if (!item.first.IsScalar())
        fail(prefix.empty() ? "the file" : prefix, item.first, "has a key that is not a name");
      const std::string& key = item.first.Scalar();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      const YAML::Node& value = item.second;
      const Setting* setting = find_setting(path);
      if (setting != nullptr && setting->kind == Kind::kStringMap) {
        read_string_map(value, path);
      } else if (setting != nullptr && setting->kind == Kind::kStringList && value.IsSequence()) {
        read_string_list(value, path);
      } else if (setting != nullptr) {
        if (value.IsNull()) continue;  // "key:" with nothing after it leaves the default
        if (!value.IsScalar()) fail(path, value, "must be a single value");
        raw_.values[path] = expand(path, value.Scalar());
        raw_.origins[path] = file_;
      } else if (const Setting* secret = secret_for_file_key(path)) {
        if (value.IsNull()) continue;
        if (!value.IsScalar()) fail(path, value, "must be a file path");
        raw_.yaml_files[std::string(secret->key)] = expand(path, value.Scalar());
      } else if (is_section(path)) {
        raw_.sections.insert(path);
        read_mapping(value, path);
      } else {
        const std::string suggestion = closest_known(path);
        fail(path, item.first,
             suggestion.empty() ? std::string("is not a known setting (see docs/configuration.md)")
                                : "is not a known setting: did you mean \"" + suggestion + "\"?");
      }
    }
  }

 private:
  void read_string_map(const YAML::Node& node, const std::string& path) {
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
  void read_string_list(const YAML::Node& node, const std::string& path) {
    std::string joined;
    for (const auto& item : node) {
      if (!item.IsScalar()) fail(path, item, "must be a list of single values");
      joined += (joined.empty() ? "" : ",") + expand(path, item.Scalar());
    }
    raw_.values[path] = joined;
    raw_.origins[path] = file_;
  }

  std::string expand(const std::string& path, const std::string& text) {
    try {
      return expand_variables(text, env_);
    } catch (const ExpandError& e) {
      throw ConfigError(file_ + ": " + path + ": " + e.what());
    }
  }

  [[noreturn]] void fail(const std::string& path, const YAML::Node& node,
                         const std::string& problem) const {
    const YAML::Mark mark = node.Mark();
    std::string where = file_;
    if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
    throw ConfigError(where + ": \"" + path + "\" " + problem);
  }

  std::string file_;
  const EnvLookup& env_;
  RawSettings& raw_;
};

void read_yaml_text(const std::string& text, const std::string& name, const EnvLookup& env,
                    RawSettings& raw) {
  try {
    const YAML::Node root = YAML::Load(text);
    YamlReader(name, env, raw).read_mapping(root, "");
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file " + name + " is not valid YAML: line " +
                      std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

void read_yaml_file(const std::string& path, const EnvLookup& env, RawSettings& raw) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError("config file " + path + " cannot be read: check the path and permissions");
  }
  std::ostringstream text;
  text << file.rdbuf();
  read_yaml_text(text.str(), path, env, raw);
}

// Secrets given as "<key>_file" in YAML replace the value; both at once is an error.
void read_yaml_secret_files(const std::string& file, RawSettings& raw) {
  for (const auto& [key, path] : raw.yaml_files) {
    if (raw.values.contains(key)) {
      throw ConfigError(file + ": set either " + key + " or " + key + "_file, not both");
    }
    raw.values[key] = read_secret_file(key + "_file", path);
    raw.origins[key] = file + " (" + key + "_file)";
  }
}

void overlay_environment(const EnvLookup& env, RawSettings& raw) {
  // An empty variable counts as unset: Kubernetes manifests often carry "value: ''".
  auto get = [&](const std::string& name) -> std::optional<std::string> {
    auto value = env(name);
    return value && !value->empty() ? value : std::nullopt;
  };
  for (const Setting& setting : all_settings()) {
    if (setting.env.empty()) continue;
    const std::string name(setting.env);
    const std::string key(setting.key);
    std::optional<std::string> value = get(name);
    if (setting.secret) {
      if (auto path = get(name + "_FILE")) {
        if (value) throw ConfigError("set either " + name + " or " + name + "_FILE, not both");
        raw.values[key] = read_secret_file(name + "_FILE", *path);
        raw.origins[key] = "$" + name + "_FILE";
        continue;
      }
    }
    if (value) {
      raw.values[key] = std::move(*value);
      raw.origins[key] = "$" + name;
    }
  }
}

// Every setting as it ended up, for --check-config (secrets are redacted when printed).
std::vector<EffectiveSetting> effective_settings(const RawSettings& raw, const Storage& storage,
                                                 const Redis& redis) {
  const std::string storage_prefix = "storage." + std::string(storage_name(storage)) + ".";
  std::vector<EffectiveSetting> out;
  for (const Setting& setting : all_settings()) {
    const std::string key(setting.key);
    const bool other_storage = (key.starts_with("storage.") && !key.starts_with(storage_prefix)) ||
                               (key.starts_with("redis.") && !redis.enabled());
    const auto value = raw.values.find(key);
    if (setting.kind == Kind::kStringMap) {
      if (auto map = raw.maps.find(key); map != raw.maps.end()) {
        for (const auto& [name, text] : map->second) {
          out.push_back({key + "." + name, text, "config file", false});
        }
      }
      continue;
    }
    if (other_storage || (value == raw.values.end() && setting.default_value.empty())) continue;
    if (value == raw.values.end()) {
      out.push_back({key, std::string(setting.default_value), "default", setting.secret});
    } else {
      out.push_back({key, value->second, raw.origins.at(key), setting.secret});
    }
  }
  return out;
}

// Typed access to the raw settings, with the table's defaults and errors that name the setting.
class Reader {
 public:
  explicit Reader(const RawSettings& raw) : raw_(raw) {}

  std::optional<std::string> get(std::string_view key) const {
    if (auto it = raw_.values.find(key); it != raw_.values.end()) return it->second;
    return std::nullopt;
  }

  std::string text(std::string_view key) const {
    if (auto value = get(key)) return *value;
    return std::string(find_setting(key)->default_value);
  }

  std::string required(std::string_view key, std::string_view why) const {
    std::string value = text(key);
    if (value.empty()) {
      throw ConfigError(name_of(key) + " is required" + std::string(why) + ": set it in " +
                        "the config file or the environment");
    }
    return value;
  }

  bool boolean(std::string_view key) const {
    const std::string value = lower(text(key));
    if (value == "true" || value == "yes" || value == "1" || value == "on") return true;
    if (value == "false" || value == "no" || value == "0" || value == "off") return false;
    throw ConfigError(name_of(key) + ": \"" + text(key) + "\" is not true or false");
  }

  std::uint64_t integer(std::string_view key, std::uint64_t min, std::uint64_t max) const {
    const std::string value = text(key);
    std::uint64_t number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc() || end != value.data() + value.size() || number < min || number > max) {
      throw ConfigError(name_of(key) + ": \"" + value + "\" is not a whole number from " +
                        std::to_string(min) + " to " + std::to_string(max));
    }
    return number;
  }

  std::chrono::milliseconds duration(std::string_view key, bool allow_zero) const {
    const std::string value = text(key);
    const auto parsed = parse_duration(value);
    if (!parsed || (!allow_zero && parsed->count() == 0)) {
      throw ConfigError(name_of(key) + ": \"" + value + "\" is not a duration such as 500ms, 10s " +
                        "or 1m30s" + (allow_zero ? "" : " (and must be above zero)"));
    }
    return *parsed;
  }

  Strings map(std::string_view key) const {
    if (auto it = raw_.maps.find(std::string(key)); it != raw_.maps.end()) return it->second;
    return {};
  }

  bool provider_configured(std::string_view provider) const {
    const std::string section = "storage." + std::string(provider);
    const std::string prefix = section + ".";
    auto under = [&](const auto& entry) { return entry.first.starts_with(prefix); };
    return raw_.sections.contains(section) ||
           std::any_of(raw_.values.begin(), raw_.values.end(), under) ||
           std::any_of(raw_.maps.begin(), raw_.maps.end(), under);
  }

 private:
  const RawSettings& raw_;
};

std::optional<Proxy> read_proxy(const Reader& in, const std::string& provider) {
  const std::string prefix = "storage." + provider + ".proxy_config.";
  Proxy proxy{in.text(prefix + "url"), in.text(prefix + "username"), in.text(prefix + "password")};
  if (proxy.url.empty()) {
    if (!proxy.username.empty() || !proxy.password.empty()) {
      throw ConfigError(prefix + "url is required when a proxy username or password is set");
    }
    return std::nullopt;
  }
  return proxy;
}

S3Storage read_s3(const Reader& in, std::vector<std::string>& warnings) {
  S3Storage s3;
  s3.bucket = in.required("storage.s3.bucket", " for S3 storage");
  s3.access_key = in.text("storage.s3.access_key");
  s3.secret = in.text("storage.s3.secret");
  if (s3.access_key.empty() != s3.secret.empty()) {
    throw ConfigError(
        "storage.s3.access_key (S3_ACCESS_KEY) and storage.s3.secret (S3_SECRET) go together: set "
        "both, or neither to use the IAM role of the egress pods");
  }
  s3.session_token = in.text("storage.s3.session_token");
  s3.region = in.text("storage.s3.region");
  s3.endpoint = in.text("storage.s3.endpoint");
  s3.force_path_style = in.boolean("storage.s3.force_path_style");
  for (auto& [name, value] : in.map("storage.s3.metadata")) s3.metadata.emplace(name, value);
  s3.tagging = in.text("storage.s3.tagging");
  s3.content_disposition = in.text("storage.s3.content_disposition");
  s3.assume_role_arn = in.text("storage.s3.assume_role_arn");
  s3.assume_role_external_id = in.text("storage.s3.assume_role_external_id");
  s3.proxy = read_proxy(in, "s3");

  std::string ignored;
  for (const char* key : {"storage.s3.max_retries", "storage.s3.max_retry_delay",
                          "storage.s3.min_retry_delay", "storage.s3.aws_log_level"}) {
    if (in.get(key)) ignored += (ignored.empty() ? "" : ", ") + std::string(key);
  }
  if (!ignored.empty()) {
    warnings.push_back(ignored +
                       " ignored: LiveKit's egress API has no such fields. They are settings of "
                       "the egress service itself: move them under storage.s3 in egress's "
                       "config file.");
  }
  return s3;
}

AzureStorage read_azure(const Reader& in) {
  constexpr std::string_view kWhy = " for Azure storage";
  return {in.required("storage.azure.account_name", kWhy),
          in.required("storage.azure.account_key", kWhy),
          in.required("storage.azure.container_name", kWhy)};
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

bool is_json_object(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec);
  return !ec && value.is_object();
}

// The credentials setting holds either the JSON itself or a path to it; egress needs the JSON.
// Messages name the path but never echo the content.
std::string read_gcp_credentials(const std::string& value) {
  const std::string name = name_of("storage.gcp.credentials_json");
  std::string trimmed = trim(value);
  if (trimmed.starts_with("{")) {
    if (!is_json_object(trimmed)) {
      throw ConfigError(name + ": the value looks like JSON but does not parse (content not " +
                        "shown): paste the service account key file unchanged, or give its path");
    }
    return trimmed;
  }
  std::ifstream file(trimmed, std::ios::binary);
  if (!file) {
    throw ConfigError(name + ": cannot read the credentials file " + trimmed +
                      ": give the path of a readable service account key file, or the JSON itself");
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (!is_json_object(content.str())) {
    throw ConfigError(name + ": the credentials file " + trimmed +
                      " does not contain a JSON object: use the key file Google Cloud gave you");
  }
  return content.str();
}

GcpStorage read_gcp(const Reader& in) {
  GcpStorage gcp;
  gcp.credentials_json =
      read_gcp_credentials(in.required("storage.gcp.credentials_json", " for GCP storage"));
  gcp.bucket = in.required("storage.gcp.bucket", " for GCP storage");
  gcp.proxy = read_proxy(in, "gcp");
  return gcp;
}

AliOssStorage read_alioss(const Reader& in) {
  constexpr std::string_view kWhy = " for AliOSS storage";
  AliOssStorage oss;
  oss.access_key = in.required("storage.alioss.access_key", kWhy);
  oss.secret = in.required("storage.alioss.secret", kWhy);
  oss.region = in.required("storage.alioss.region", kWhy);
  oss.bucket = in.required("storage.alioss.bucket", kWhy);
  oss.endpoint = in.text("storage.alioss.endpoint");
  return oss;
}

Storage read_storage(const Reader& in, std::vector<std::string>& warnings) {
  static constexpr std::array<std::string_view, 4> kProviders{"s3", "azure", "gcp", "alioss"};
  std::vector<std::string_view> configured;
  for (std::string_view provider : kProviders) {
    if (in.provider_configured(provider)) configured.push_back(provider);
  }
  if (configured.empty()) {
    throw ConfigError(
        "No storage provider configured: set one of storage.s3, storage.azure, storage.gcp or "
        "storage.alioss in the config file, or its environment variables (S3_BUCKET, "
        "AZURE_STORAGE_ACCOUNT, GCP_BUCKET, ALIOSS_BUCKET, ...)");
  }
  if (configured.size() > 1) {
    std::string found;
    for (std::string_view provider : configured) {
      found += (found.empty() ? "" : ", ") + std::string(provider);
    }
    throw ConfigError("Only one storage provider can be configured, found " + found +
                      ": remove the settings (YAML and environment) of the ones you do not use");
  }
  const std::string_view provider = configured.front();
  if (provider == "s3") return read_s3(in, warnings);
  if (provider == "azure") return read_azure(in);
  if (provider == "gcp") return read_gcp(in);
  return read_alioss(in);
}

FileType read_file_type(const Reader& in) {
  const std::string value = in.text("file_type");
  const std::string upper = [&] {
    std::string out(value);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
  }();
  if (upper == "MP4") return FileType::kMp4;
  if (upper == "OGG") return FileType::kOgg;
  if (upper == "MP3") return FileType::kMp3;
  if (upper == "WEBM") {
    throw ConfigError(name_of("file_type") +
                      ": WEBM is not a LiveKit file type for room recordings (LiveKit writes WebM "
                      "only for track egress): use MP4, OGG or MP3");
  }
  throw ConfigError(name_of("file_type") + ": \"" + value +
                    "\" is not a LiveKit file type: use MP4, OGG or MP3");
}

LiveKitApi read_livekit(const Reader& in) {
  LiveKitApi api;
  const std::string host = in.text("livekit_host");
  const auto url = livekit::api_base_url(host);
  if (!url && host.find('@') != std::string::npos) {  // not echoed: it may hold a password
    throw ConfigError(name_of("livekit_host") +
                      ": user info (user:password@) is not allowed in the URL; remove it, "
                      "the API key and secret authenticate the calls");
  }
  if (!url) {
    throw ConfigError(
        name_of("livekit_host") + ": \"" + host +
        "\" is not a LiveKit URL: write http://, https://, ws:// or wss:// and host[:port], "
        "e.g. http://livekit-server:7880");
  }
  api.url = *url;
  api.api_key = in.required("livekit_api_key", " to call LiveKit's Egress API");
  api.api_secret = in.required("livekit_api_secret", " to call LiveKit's Egress API");
  api.ca_file = in.text("livekit_ca_file");
  if (std::error_code ec;
      !api.ca_file.empty() && !std::filesystem::is_regular_file(api.ca_file, ec)) {
    throw ConfigError(name_of("livekit_ca_file") + ": " + api.ca_file +
                      " is not a readable file: give the path of a PEM CA bundle");
  }
  api.insecure_skip_verify = in.boolean("livekit_insecure_skip_verify");
  api.connect_timeout = in.duration("api_connect_timeout", false);
  api.request_timeout = in.duration("api_request_timeout", false);
  return api;
}

WebhookAuth read_webhook(const Reader& in, const LiveKitApi& api) {
  WebhookAuth auth;
  auth.api_key = in.get("webhook_api_key").value_or(api.api_key);
  if (auto secret = in.get("webhook_api_secret")) {
    auth.api_secret = *secret;
  } else if (auth.api_key == api.api_key) {
    auth.api_secret = api.api_secret;
  } else {
    throw ConfigError("webhook_api_key (WEBHOOK_API_KEY) \"" + auth.api_key +
                      "\" differs from livekit_api_key, so webhooks are signed with another "
                      "secret: set webhook_api_secret (WEBHOOK_API_SECRET) to that key's secret");
  }
  return auth;
}

Delivery read_delivery(const Reader& in) {
  Delivery d;
  d.reconcile_interval = in.duration("reconcile_interval", true);
  d.retry_initial_delay = in.duration("retry_initial_delay", false);
  d.retry_max_delay = in.duration("retry_max_delay", false);
  d.retry_give_up_after = in.duration("retry_give_up_after", false);
  if (d.retry_max_delay < d.retry_initial_delay) {
    throw ConfigError(name_of("retry_max_delay") + " must not be shorter than " +
                      name_of("retry_initial_delay"));
  }
  d.max_restarts_per_hour =
      static_cast<std::uint32_t>(in.integer("max_restarts_per_hour", 0, 1000));
  d.max_pending_starts = in.integer("max_pending_starts", 1, 10'000'000);
  d.egress_concurrency = in.integer("egress_concurrency", 1, 10'000);
  d.dedupe_ttl = in.duration("dedupe_ttl", false);
  d.dedupe_capacity = in.integer("dedupe_capacity", 100, 100'000'000);
  return d;
}

// "host", "host:port" or "[v6]:port".
std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view host = text;
  std::string_view port;
  const bool bracketed = text.starts_with("[");
  if (bracketed) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(":")) return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || (!bracketed && host.find_first_of(" /@:") != std::string_view::npos)) {
    return std::nullopt;
  }
  out.host = std::string(host);
  if (port.empty()) return text.ends_with(":") ? std::nullopt : std::optional(out);
  unsigned number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(number);
  return out;
}

HostPort read_host_port(std::string_view key, std::string_view text) {
  auto parsed = parse_host_port(text);
  if (!parsed) {
    // A redis://user:password@host URL would put the password into the message.
    const std::string shown = text.find('@') == std::string_view::npos
                                  ? "\"" + std::string(text) + "\""
                                  : "the value (not shown: it holds credentials)";
    throw ConfigError(name_of(key) + ": " + shown +
                      " is not host:port: write e.g. redis:6379 (no redis:// prefix; TLS is " +
                      name_of("redis.tls") + ", the password redis.password)");
  }
  return *parsed;
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

Redis read_redis(const Reader& in) {
  Redis redis;
  const std::string address = in.text("redis.address");
  if (!address.empty()) redis.address = read_host_port("redis.address", address);
  for (const std::string& sentinel : split_list(in.text("redis.sentinel_addresses"))) {
    redis.sentinels.push_back(read_host_port("redis.sentinel_addresses", sentinel));
  }
  if (!redis.enabled()) {
    // Redis settings without an address would be silently ignored: say so instead.
    for (const Setting& setting : all_settings()) {
      if (setting.key.starts_with("redis.") && in.get(setting.key)) {
        throw ConfigError(name_of(setting.key) +
                          " is set, but Redis is off: set redis.address (REDIS_ADDRESS) or "
                          "redis.sentinel_addresses to coordinate replicas, or remove it");
      }
    }
    return redis;
  }
  if (redis.address && !redis.sentinels.empty()) {
    throw ConfigError("set either " + name_of("redis.address") + " or " +
                      name_of("redis.sentinel_addresses") + ", not both");
  }
  redis.sentinel_master_name = in.text("redis.sentinel_master_name");
  if (!redis.sentinels.empty() && redis.sentinel_master_name.empty()) {
    throw ConfigError(name_of("redis.sentinel_master_name") +
                      " is required with redis.sentinel_addresses: the name in the Sentinels' "
                      "\"sentinel monitor\" line");
  }
  if (redis.sentinels.empty() && !redis.sentinel_master_name.empty()) {
    throw ConfigError(name_of("redis.sentinel_master_name") +
                      " needs redis.sentinel_addresses (REDIS_SENTINEL_ADDRESSES)");
  }
  redis.sentinel_username = in.text("redis.sentinel_username");
  redis.sentinel_password = in.text("redis.sentinel_password");
  redis.username = in.text("redis.username");
  redis.password = in.text("redis.password");
  if (!redis.username.empty() && redis.password.empty()) {
    throw ConfigError(name_of("redis.password") + " is required with redis.username");
  }
  redis.db = static_cast<std::uint32_t>(in.integer("redis.db", 0, 100000));
  redis.tls = in.boolean("redis.tls");
  redis.ca_file = in.text("redis.ca_file");
  if (!redis.ca_file.empty() && !redis.tls) {
    throw ConfigError(name_of("redis.ca_file") + " is set but " + name_of("redis.tls") +
                      " is off: turn TLS on, or remove the CA file");
  }
  if (std::error_code ec;
      !redis.ca_file.empty() && !std::filesystem::is_regular_file(redis.ca_file, ec)) {
    throw ConfigError(name_of("redis.ca_file") + ": " + redis.ca_file +
                      " is not a readable file: give the path of a PEM CA bundle");
  }
  redis.key_prefix = in.text("redis.key_prefix");
  redis.claim_ttl = in.duration("redis.claim_ttl", false);
  redis.lease_ttl = in.duration("redis.lease_ttl", false);
  redis.timeout = in.duration("redis.timeout", false);
  if (redis.lease_ttl < std::chrono::seconds(1) || redis.claim_ttl < std::chrono::seconds(1)) {
    throw ConfigError(
        name_of(redis.lease_ttl < std::chrono::seconds(1) ? "redis.lease_ttl" : "redis.claim_ttl") +
        " must be at least 1s: it is renewed over the network");
  }
  if (redis.timeout * 2 > redis.lease_ttl) {
    throw ConfigError(name_of("redis.timeout") + " must be at most half of " +
                      name_of("redis.lease_ttl") +
                      ", or a slow Redis would lose the lease between renewals");
  }
  return redis;
}

Logging read_logging(const Reader& in) {
  Logging log;
  const std::string level = lower(in.text("log_level"));
  if (level == "debug") {
    log.level = LogLevel::kDebug;
  } else if (level == "info") {
    log.level = LogLevel::kInfo;
  } else if (level == "warn" || level == "warning") {
    log.level = LogLevel::kWarn;
  } else if (level == "error") {
    log.level = LogLevel::kError;
  } else {
    throw ConfigError(name_of("log_level") + ": \"" + in.text("log_level") +
                      "\" is not a level: use debug, info, warn or error");
  }
  const std::string format = lower(in.text("log_format"));
  if (format == "text") {
    log.format = LogFormat::kText;
  } else if (format == "json") {
    log.format = LogFormat::kJson;
  } else {
    throw ConfigError(name_of("log_format") + ": \"" + in.text("log_format") +
                      "\" is not a format: use text or json");
  }
  return log;
}

}  // namespace

namespace {
Config build_config(RawSettings& raw, const EnvLookup& env, Config config);
}  // namespace

Config load_config(const EnvLookup& env, const std::optional<std::string>& path_flag) {
  RawSettings raw;
  std::string path = "config.yaml";
  bool named = false;
  if (path_flag) {
    path = *path_flag;
    named = true;
  } else if (auto from_env = env("CONFIG_FILE"); from_env && !from_env->empty()) {
    path = *from_env;
    named = true;
  }

  Config config;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    read_yaml_file(path, env, raw);
    read_yaml_secret_files(path, raw);
    config.source = path + " + environment";
  } else if (named) {
    throw ConfigError("config file " + path + " does not exist (named by " +
                      (path_flag ? "--config" : "CONFIG_FILE") +
                      "): fix the path, or unset it to configure through the environment only");
  } else {
    config.source = "environment only (no " + path + ")";
  }
  return build_config(raw, env, std::move(config));
}

Config load_config_yaml(const std::string& text, const EnvLookup& env) {
  RawSettings raw;
  read_yaml_text(text, "config.yaml", env, raw);
  read_yaml_secret_files("config.yaml", raw);
  Config config;
  config.source = "config.yaml + environment";
  return build_config(raw, env, std::move(config));
}

namespace {

// Environment on top of what the file said, then conversion and validation.
Config build_config(RawSettings& raw, const EnvLookup& env, Config config) {
  overlay_environment(env, raw);

  const Reader in(raw);
  config.log = read_logging(in);
  config.livekit = read_livekit(in);
  config.webhook = read_webhook(in, config.livekit);
  config.server.port = static_cast<std::uint16_t>(in.integer("listen_port", 1, 65535));
  config.server.max_body_bytes = in.integer("max_body_bytes", 1024, 64ULL * 1024 * 1024);
  config.server.shutdown_timeout = in.duration("shutdown_timeout", true);
  config.server.max_header_bytes = in.integer("max_header_bytes", 1024, std::uint64_t{1024} * 1024);
  config.server.max_connections = in.integer("max_connections", 1, 1'000'000);
  config.server.threads = static_cast<unsigned>(in.integer("server_threads", 0, 64));
  if (config.server.threads == 0) {
    config.server.threads = std::clamp(std::thread::hardware_concurrency(), 1U, 4U);
  }
  config.server.idle_timeout = in.duration("idle_timeout", false);
  config.server.header_timeout = in.duration("header_timeout", false);
  config.server.body_timeout = in.duration("body_timeout", false);
  config.server.tls_cert_file = in.text("tls_cert_file");
  config.server.tls_key_file = in.text("tls_key_file");
  if (config.server.tls_cert_file.empty() != config.server.tls_key_file.empty()) {
    throw ConfigError(
        "tls_cert_file (TLS_CERT_FILE) and tls_key_file (TLS_KEY_FILE) go together: "
        "set both to serve HTTPS, or neither for plain HTTP");
  }
  config.server.shutdown_delay = in.duration("shutdown_delay", true);
  if (in.get("health_port")) {
    config.server.health_port = static_cast<std::uint16_t>(in.integer("health_port", 1, 65535));
    if (config.server.health_port == config.server.port) config.server.health_port = 0;
  }
  config.recording.layout = in.text("layout");
  config.recording.file_type = read_file_type(in);
  config.recording.file_path = in.text("file_path");
  config.storage = read_storage(in, config.warnings);
  config.delivery = read_delivery(in);
  config.redis = read_redis(in);
  if (config.livekit.insecure_skip_verify) {
    config.warnings.emplace_back(
        "livekit_insecure_skip_verify is on: LiveKit's TLS certificate is NOT verified, so anyone "
        "on the network path can read the API secret's tokens and the storage credentials. Use "
        "livekit_ca_file for a private CA instead.");
  }
  for (const char* proxy : {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"}) {
    if (auto value = env(proxy); !value || value->empty()) continue;
    config.warnings.push_back(  // not the value: a proxy URL may carry a password
        std::string(proxy) +
        " is set, but API calls go to livekit_host directly: auto-recorder uses no proxy for "
        "them (egress uploads use storage.*.proxy_config). Make livekit_host reachable from "
        "this pod, or unset " +
        proxy + " to silence this warning.");
    break;
  }
  config.effective = effective_settings(raw, config.storage, config.redis);
  // Show what the webhook key and secret resolved to, not the "(livekit_api_key)" placeholder.
  for (EffectiveSetting& setting : config.effective) {
    if (setting.origin != "default") continue;
    if (setting.key == "webhook_api_key") {
      setting = {setting.key, config.webhook.api_key, "default: livekit_api_key", false};
    } else if (setting.key == "webhook_api_secret") {
      setting = {setting.key, config.webhook.api_secret, "default: livekit_api_secret", true};
    }
  }
  if (config.recording.file_path.find("{time}") == std::string::npos &&
      config.recording.file_path.find("{utc}") == std::string::npos) {
    config.warnings.push_back(
        "file_path \"" + config.recording.file_path +
        "\" has neither {time} nor {utc}: a recording restarted after a failure, or a later room "
        "with the same name, overwrites the earlier file. Add {time} or {utc}.");
  }
  return config;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // Read during load_config, before any thread exists.
    const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string_view to_string(FileType type) {
  switch (type) {
    case FileType::kMp4:
      return "MP4";
    case FileType::kOgg:
      return "OGG";
    case FileType::kMp3:
      return "MP3";
  }
  return "MP4";
}

std::string_view storage_name(const Storage& storage) {
  static constexpr std::array<std::string_view, 4> kNames{"s3", "azure", "gcp", "alioss"};
  return kNames.at(storage.index());
}

}  // namespace ar::config
