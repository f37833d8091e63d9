#include "config/storage.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "config/error.hpp"
#include "config/files.hpp"
#include "util/text.hpp"

namespace ar::config {
namespace {

std::optional<recording::StorageProxy> read_proxy(const Reader& in, const std::string& provider) {
  const std::string prefix = "storage." + provider + ".proxy_config.";
  recording::StorageProxy proxy{in.text(prefix + "url"), in.text(prefix + "username"),
                                in.text(prefix + "password")};
  if (proxy.url.empty()) {
    if (!proxy.username.empty() || !proxy.password.empty()) {
      throw ConfigError(in.name(prefix + "url") +
                        " is required when a proxy username or password is set");
    }
    return std::nullopt;
  }
  return proxy;
}

recording::S3Storage read_s3(const Reader& in, std::vector<std::string>& warnings) {
  recording::S3Storage s3;
  s3.bucket = in.required("storage.s3.bucket", " for S3 storage");
  s3.access_key = in.text("storage.s3.access_key");
  s3.secret = in.text("storage.s3.secret");
  if (s3.access_key.empty() != s3.secret.empty()) {
    throw ConfigError(in.name("storage.s3.access_key") + " and " + in.name("storage.s3.secret") +
                      " go together: set both, or neither to use the IAM role of the egress pods");
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

  std::vector<std::string> ignored;
  for (const char* key : {"storage.s3.max_retries", "storage.s3.max_retry_delay",
                          "storage.s3.min_retry_delay", "storage.s3.aws_log_level"}) {
    if (in.get(key)) ignored.push_back(in.name(key));
  }
  if (!ignored.empty()) {
    warnings.push_back(util::join(ignored, ", ") +
                       " ignored: LiveKit's egress API has no such fields. They are settings of "
                       "the egress service itself: move them under storage.s3 in egress's "
                       "config file.");
  }
  return s3;
}

recording::AzureStorage read_azure(const Reader& in) {
  constexpr std::string_view kWhy = " for Azure storage";
  return {in.required("storage.azure.account_name", kWhy),
          in.required("storage.azure.account_key", kWhy),
          in.required("storage.azure.container_name", kWhy)};
}

bool is_json_object(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec);
  return !ec && value.is_object();
}

// The credentials setting holds either the JSON itself or a path to it; egress needs the JSON.
// Messages name the path but never echo the content.
std::string read_gcp_credentials(const Reader& in, const std::string& value) {
  const std::string name = in.name("storage.gcp.credentials_json");
  std::string trimmed = trim(value);
  if (trimmed.starts_with("{")) {
    if (!is_json_object(trimmed)) {
      throw ConfigError(name + ": the value looks like JSON but does not parse (content not " +
                        "shown): paste the service account key file unchanged, or give its path");
    }
    return trimmed;
  }
  std::string content = read_credentials_file(name, trimmed);
  if (!is_json_object(content)) {
    throw ConfigError(name + ": the credentials file " + trimmed +
                      " does not contain a JSON object: use the key file Google Cloud gave you");
  }
  return content;
}

recording::GcpStorage read_gcp(const Reader& in) {
  recording::GcpStorage gcp;
  // Without a key, egress uses Application Default Credentials (Workload Identity on GKE).
  if (const std::string key = in.text("storage.gcp.credentials_json"); !key.empty()) {
    gcp.credentials_json = read_gcp_credentials(in, key);
  }
  gcp.bucket = in.required("storage.gcp.bucket", " for GCP storage");
  gcp.proxy = read_proxy(in, "gcp");
  return gcp;
}

recording::AliOssStorage read_alioss(const Reader& in) {
  constexpr std::string_view kWhy = " for AliOSS storage";
  recording::AliOssStorage oss;
  oss.access_key = in.required("storage.alioss.access_key", kWhy);
  oss.secret = in.required("storage.alioss.secret", kWhy);
  oss.region = in.required("storage.alioss.region", kWhy);
  oss.bucket = in.required("storage.alioss.bucket", kWhy);
  oss.endpoint = in.text("storage.alioss.endpoint");
  return oss;
}

}  // namespace

// Exactly one provider under storage. (or storages.<name>.). `in` names keys as they were written.
recording::Storage read_storage(const Reader& in, std::vector<std::string>& warnings) {
  static constexpr std::array<std::string_view, 4> kProviders{"s3", "azure", "gcp", "alioss"};
  std::vector<std::string_view> configured;
  for (std::string_view provider : kProviders) {
    if (in.section_present("storage." + std::string(provider))) configured.push_back(provider);
  }
  const bool named = in.scoped();
  const std::string section = in.name("storage.");  // "storages.acme." for a named one
  const std::string where = named ? section.substr(0, section.size() - 1) + ": " : "";
  if (!named) {
    const std::string mode = lower(in.text("storage"));
    if (mode == "egress") {
      if (!configured.empty()) {
        throw ConfigError(in.name("storage") +
                          " is egress (egress uploads with its own storage) "
                          "but storage." +
                          std::string(configured.front()) + " is configured too (" +
                          in.section_origin("storage." + std::string(configured.front())) +
                          "); remove one of them");
      }
      return recording::EgressStorage{};
    }
    if (!mode.empty()) {
      throw ConfigError(in.name("storage") +
                        " must be egress or unset: providers are configured under storage.s3, "
                        "storage.azure, storage.gcp or storage.alioss");
    }
  }
  if (configured.empty()) {
    if (named) {
      throw ConfigError(where +
                        "No storage provider configured: give one of s3, azure, gcp or alioss "
                        "under it");
    }
    throw ConfigError(
        "No storage provider configured: set one of storage.s3, storage.azure, storage.gcp or "
        "storage.alioss in the config file, or its environment variables (S3_BUCKET, "
        "AZURE_STORAGE_ACCOUNT, GCP_BUCKET, ALIOSS_BUCKET, ...)");
  }
  if (configured.size() > 1) {
    // At the top level, what set each: a stray GOOGLE_APPLICATION_CREDENTIALS or AZURE_* in the
    // pod's environment is then named.
    const std::string found =
        util::join(configured, named ? ", " : "; ", [&](std::string_view provider) {
          return std::string(provider) +
                 (named ? "" : " (" + in.section_origin("storage." + std::string(provider)) + ")");
        });
    throw ConfigError(where + "Only one storage provider can be configured, found " + found +
                      (named ? ": keep one, or give the other a name of its own"
                             : ": remove the settings (YAML and environment) of the ones you do "
                               "not use"));
  }
  const std::string_view provider = configured.front();
  if (provider == "s3") return read_s3(in, warnings);
  if (provider == "azure") return read_azure(in);
  if (provider == "gcp") return read_gcp(in);
  return read_alioss(in);
}

recording::NamedStorages read_named_storages(const YAML::Node& node, const std::string& file,
                                             const EnvLookup& env,
                                             std::vector<std::string>& warnings) {
  recording::NamedStorages out;
  if (!node.IsDefined() || node.IsNull()) return out;
  RawSettings unused;
  const YamlReader outer({.file = file, .shown = "storages."}, env, unused);
  if (!node.IsMap()) outer.fail("", node, "must be a mapping of names to storages");
  for (const auto& item : node) {
    if (!item.first.IsScalar() || item.first.Scalar().empty()) {
      outer.fail("", item.first, "has a key that is not a name");
    }
    const std::string& name = item.first.Scalar();
    const std::string shown = "storages." + name + ".";
    RawSettings raw;
    YamlReader reader({.file = file,
                       .strip = "storage.",
                       .shown = shown,
                       .allowed = [](std::string_view key) { return key.starts_with("storage."); },
                       .kind = "storage setting"},
                      env, raw);
    if (item.second.IsNull() || !item.second.IsMap()) {
      reader.fail("storage", item.second, "must be a mapping with one of s3, azure, gcp or alioss");
    }
    reader.read_mapping(item.second, "storage");
    read_yaml_secret_files(file, raw);
    out.emplace(name, read_storage(Reader(raw, "storage.", shown), warnings));
  }
  return out;
}

}  // namespace ar::config
