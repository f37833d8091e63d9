#include "config/files.hpp"

#include <filesystem>

#include "config/error.hpp"
#include "util/file.hpp"

namespace ar::config {
namespace {

// "/etc/auto-recorder/config.yaml" for a directory that holds it: a ConfigMap or Secret mounted
// as a directory has one file per key.
std::string file_inside(const std::string& directory) {
  std::error_code ec;
  std::string first;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".")) continue;  // Kubernetes' ..data and ..2024_… links
    if (name == "config.yaml") return entry.path().string();
    if (first.empty() || name < first) first = name;
  }
  return first.empty() ? directory + "/<key>" : directory + "/" + first;
}

// Reads `path`, or throws a ConfigError: "<what> <path> <problem>: <fix>".
std::string read_or_explain(const std::string& what, const std::string& path, std::size_t cap,
                            std::string_view variable) {
  try {
    return util::read_small_file(path, cap);
  } catch (const util::FileError& e) {
    std::string fix;
    switch (e.kind()) {
      case util::FileError::Kind::kMissing:
        fix = "check the path, and that the file is mounted";
        break;
      case util::FileError::Kind::kDirectory:
        fix = "mounted a " + std::string(what.starts_with("config") ? "ConfigMap" : "Secret") +
              " without subPath? point " + std::string(variable) + " at the file inside, e.g. " +
              file_inside(path);
        break;
      case util::FileError::Kind::kNotRegular:
        fix = "point " + std::string(variable) + " at a file";
        break;
      case util::FileError::Kind::kTooLarge:
        fix = "is it the right file?";
        break;
      case util::FileError::Kind::kUnreadable:
        fix = "check the path and that this user may read it";
        break;
    }
    throw ConfigError(what + " " + path + " " + e.what() + ": " + fix);
  }
}

}  // namespace

std::string read_config_file(const std::string& path, std::string_view named_by) {
  return read_or_explain("config file", path, kMaxConfigFileBytes,
                         named_by.empty() ? "CONFIG_FILE" : named_by);
}

std::string read_secret_file(std::string_view setting, const std::string& path) {
  std::string text = read_or_explain(std::string(setting) + ": the secret file", path,
                                     kMaxSecretFileBytes, setting);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string read_credentials_file(std::string_view setting, const std::string& path) {
  return read_or_explain(std::string(setting) + ": the credentials file", path, kMaxSecretFileBytes,
                         setting);
}

void require_pem_file(std::string_view setting, const std::string& path, std::string_view what) {
  if (std::error_code ec; !path.empty() && !std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError(std::string(setting) + ": " + path +
                      " is not a readable file: give the path of " + std::string(what));
  }
}

}  // namespace ar::config
