// YAML configuration loading with ${VAR} expansion: every input either loads or is refused with
// a ConfigError; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const ar::config::EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "LIVEKIT_API_KEY") return "APIfuzz";
    if (name == "LIVEKIT_API_SECRET") return "fuzz-secret";
    if (name == "SET") return "value";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  try {
    (void)ar::config::load_config_yaml(text, env);
  } catch (const ar::config::ConfigError&) {
    // refused with a message: the expected outcome for most inputs
  }
  return 0;
}
