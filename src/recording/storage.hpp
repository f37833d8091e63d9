#pragma once
// Where recordings are uploaded: the storages a request may carry, as the configuration names
// them. Plain data; livekit/egress.hpp writes them into requests.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ar::recording {

struct StorageProxy {
  std::string url;
  std::string username;
  std::string password;
};

struct S3Storage {
  std::string access_key;
  std::string secret;
  std::string session_token;
  std::string region;
  std::string endpoint;
  std::string bucket;
  bool force_path_style = false;
  std::map<std::string, std::string> metadata;
  std::string tagging;
  std::string content_disposition;
  std::string assume_role_arn;
  std::string assume_role_external_id;
  std::optional<StorageProxy> proxy;
};

struct AzureStorage {
  std::string account_name;
  std::string account_key;
  std::string container_name;
};

struct GcpStorage {
  std::string credentials_json;  // always the JSON content, never a path
  std::string bucket;
  std::optional<StorageProxy> proxy;
};

struct AliOssStorage {
  std::string access_key;
  std::string secret;
  std::string region;
  std::string endpoint;
  std::string bucket;
};

// `storage: egress`: requests carry no upload, so egress uploads with the storage of its own
// configuration and the storage credentials never leave it.
struct EgressStorage {};

using Storage = std::variant<S3Storage, AzureStorage, GcpStorage, AliOssStorage, EgressStorage>;
using NamedStorages = std::map<std::string, Storage, std::less<>>;  // `storages:` by name

// "s3", "azure", "gcp", "alioss" or "egress": the storage's key in the configuration.
std::string_view storage_name(const Storage& storage);

}  // namespace ar::recording
