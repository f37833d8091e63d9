#pragma once
// Tokens minted by LiveKit's official Node SDK (fixtures/make_sdk_tokens.mjs).
#include <boost/json.hpp>
#include <string>

#include "livekit/token.hpp"
#include "util/file.hpp"

namespace ar::livekit::testing {

struct SdkFixture {
  std::string api_key, api_secret, body, webhook_token, api_token;
  Clock::time_point minted_at;
};

inline SdkFixture load_sdk_fixture() {
  const auto json =
      boost::json::parse(util::read_small_file(PROJECT_SOURCE_DIR "/tests/unit/livekit/fixtures/"
                                                                  "sdk_tokens.json",
                                               std::size_t{1} << 20))
          .as_object();
  auto str = [&](const char* key) { return std::string(json.at(key).as_string()); };
  return {str("apiKey"),   str("apiSecret"),
          str("body"),     str("webhookToken"),
          str("apiToken"), Clock::time_point(std::chrono::seconds(json.at("mintedAt").as_int64()))};
}

}  // namespace ar::livekit::testing
