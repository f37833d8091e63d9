#pragma once
// What an attempt's answer means for its notification (docs/notifications.md): a 2xx is
// delivered; a 4xx other than 408 and 429 failed for good; anything else (no answer, a timeout,
// a proxy's 407, 408, 429, 5xx, a redirect, which is never followed) is tried again after a
// back-off that doubles from about 1 s to max_backoff, with jitter, or after the receiver's
// Retry-After when longer, until give_up_after from when it became due (its creation, or a
// resend) has passed: then it failed.
#include <chrono>
#include <cstdint>

#include "ledger/outbox.hpp"
#include "notify/http_post.hpp"
#include "notify/settings.hpp"

namespace ar::notify {

// The wait before attempt number attempts + 1: 1 s * 2^(attempts - 1), at most `cap`, times
// 0.8 to 1.2 by jitter (0 to 1). Give-up counts from the notification's due_since_ms.
std::chrono::milliseconds backoff(std::int64_t attempts, std::chrono::milliseconds cap,
                                  double jitter);

ledger::Outcome outcome_of(const ledger::Notification& n, const Answer& answer, std::int64_t now_ms,
                           const Settings& settings, double jitter);

// The answer in a few words for the ledger and the log: "HTTP 503", or why there was none.
std::string answer_text(const Answer& answer);

}  // namespace ar::notify
