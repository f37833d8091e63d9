#pragma once
// The files a configuration names: the YAML file itself, secrets mounted as files, credentials
// files. Each is read only if it is a regular file within its cap; otherwise startup stops with
// an error that names the setting, the path and the fix, and never anything of the content.
#include <cstddef>
#include <string>
#include <string_view>

namespace ar::config {

inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{1} << 20;   // 1 MiB
inline constexpr std::size_t kMaxSecretFileBytes = std::size_t{64} << 10;  // 64 KiB

// The configuration file. `named_by`: "--config", "CONFIG_FILE", or empty for ./config.yaml.
std::string read_config_file(const std::string& path, std::string_view named_by);

// A secret mounted as a file: its content without trailing newlines. `setting` names it.
std::string read_secret_file(std::string_view setting, const std::string& path);

// A credentials file (a service account key), whole. `setting` names it.
std::string read_credentials_file(std::string_view setting, const std::string& path);

// A PEM file read later (a CA bundle, a TLS certificate or key): checked now to be a regular
// file, so startup stops with a clear error instead of a TLS failure (or a FIFO that blocks).
// `setting` names it (with its variable), `what` says what it should be ("a PEM CA bundle").
// Nothing to check when `path` is empty.
void require_pem_file(std::string_view setting, const std::string& path, std::string_view what);

}  // namespace ar::config
