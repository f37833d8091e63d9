// WebhookEvent JSON parsing (reached only after a valid signature, but a LiveKit bug or a leaked
// key must not crash the recorder).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "livekit/webhook.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ar::livekit::WebhookEvent event;
  (void)ar::livekit::parse_webhook_event({reinterpret_cast<const char*>(data), size}, event);
  return 0;
}
