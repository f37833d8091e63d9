#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ar::livekit {

// The base URL for Twirp calls from a configured LiveKit host: ws:// becomes http://, wss://
// becomes https:// (as LiveKit's SDKs do) and a trailing "/" is dropped. nullopt when the scheme
// is none of those four or no host follows it.
std::optional<std::string> api_base_url(std::string_view host);

}  // namespace ar::livekit
