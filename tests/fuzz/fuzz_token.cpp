// Token verification and the whole webhook check: Authorization header and body are attacker
// input. The first line of the input is the header, the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "livekit/token.hpp"
#include "livekit/webhook.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\n');
  const std::string_view header = input.substr(0, split);
  const std::string_view body = split == std::string_view::npos ? "" : input.substr(split + 1);
  const auto now = ar::livekit::Clock::time_point(std::chrono::seconds(1'700'000'000));
  (void)ar::livekit::verify_token(header, {"APIfuzz", "fuzz-secret"}, now);
  static const ar::livekit::WebhookVerifier verifier("APIfuzz", "fuzz-secret",
                                                     std::chrono::seconds(60));
  const auto result = verifier.verify(header, body, now);
  (void)result.label();
  return 0;
}
