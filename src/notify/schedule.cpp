#include "notify/schedule.hpp"

#include <algorithm>

#include "util/duration.hpp"

namespace ar::notify {

std::chrono::milliseconds backoff(std::int64_t attempts, std::chrono::milliseconds cap,
                                  double jitter) {
  using std::chrono::milliseconds;
  // 2^20 s is far past any cap: no overflow for a row tried a thousand times.
  const std::int64_t doublings = std::clamp<std::int64_t>(attempts - 1, 0, 20);
  const milliseconds base = std::min(cap, milliseconds(std::int64_t{1000} << doublings));
  return milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) *
                                                (0.8 + 0.4 * std::clamp(jitter, 0.0, 1.0))));
}

std::string answer_text(const Answer& answer) {
  if (answer.status == 0) return answer.error;
  std::string text = "HTTP " + std::to_string(answer.status);
  if (answer.status >= 300 && answer.status < 400) text += " (redirects are not followed)";
  return text;
}

ledger::Outcome outcome_of(const ledger::Notification& n, const Answer& answer, std::int64_t now_ms,
                           const Settings& settings, double jitter) {
  ledger::Outcome out{n.id,       n.endpoint, ledger::DeliveryState::kPending, now_ms, now_ms, {},
                      n.attempts, n.next_ms};
  const unsigned s = answer.status;
  if (s >= 200 && s < 300) {
    out.state = ledger::DeliveryState::kDelivered;
    return out;
  }
  out.error = answer_text(answer);
  // 407 is a proxy's (an http:// endpoint through HTTP_PROXY), never the receiver's refusal.
  if (s >= 400 && s < 500 && s != 407 && s != 408 && s != 429) {
    out.state = ledger::DeliveryState::kFailed;
    return out;
  }
  std::chrono::milliseconds wait = backoff(n.attempts, settings.max_backoff, jitter);
  if (answer.retry_after) wait = std::max<std::chrono::milliseconds>(wait, *answer.retry_after);
  wait = std::min(wait, settings.give_up_after);
  out.next_ms = now_ms + wait.count();
  if (out.next_ms > n.due_since_ms + settings.give_up_after.count()) {
    out.state = ledger::DeliveryState::kFailed;
    out.error = "gave up after " + util::format_duration(settings.give_up_after) + ": " + out.error;
  }
  return out;
}

}  // namespace ar::notify
