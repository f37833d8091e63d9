#include "livekit/host.hpp"

#include <array>
#include <utility>

namespace ar::livekit {

std::optional<std::string> api_base_url(std::string_view host) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kSchemes{{
      {"https://", "https://"},
      {"http://", "http://"},
      {"wss://", "https://"},
      {"ws://", "http://"},
  }};
  for (const auto& [given, mapped] : kSchemes) {
    if (host.substr(0, given.size()) != given) continue;
    std::string_view rest = host.substr(given.size());
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.empty() || rest.front() == '/') return std::nullopt;
    return std::string(mapped) + std::string(rest);
  }
  return std::nullopt;
}

}  // namespace ar::livekit
