#include "util/asio_timers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace ar::util {
namespace {

using std::chrono::milliseconds;

TEST(AsioTimers, RunsACallbackAfterItsDelayOnItsOwnThread) {
  AsioTimers timers;
  std::promise<std::thread::id> fired;
  const auto start = timers.now();
  timers.after(milliseconds(30), [&] { fired.set_value(std::this_thread::get_id()); });
  auto future = fired.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
  EXPECT_GE(timers.now() - start, milliseconds(30));
}

TEST(AsioTimers, ACancelledTimerNeverFires) {
  AsioTimers timers;
  std::atomic<bool> cancelled_fired{false};
  std::promise<void> later;
  const auto id = timers.after(milliseconds(20), [&] { cancelled_fired = true; });
  timers.cancel(id);
  timers.after(milliseconds(60), [&] { later.set_value(); });
  // The later timer firing is the evidence that the cancelled one's time has passed.
  ASSERT_EQ(later.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(cancelled_fired);
  timers.cancel(id);  // again, after its time: nothing to do
}

TEST(AsioTimers, StopDropsWhatIsStillWaiting) {
  std::atomic<bool> fired{false};
  {
    AsioTimers timers;
    timers.after(std::chrono::hours(1), [&] { fired = true; });
    timers.stop();
    timers.stop();  // idempotent
  }
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace ar::util
