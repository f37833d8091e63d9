#include "server/shutdown.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <string>
#include <vector>

#include "telemetry/log.hpp"

namespace ar::server {
namespace {

using std::chrono::milliseconds;

// The steps in the order they ran, and a count of calls in flight the test lowers.
struct Recorded {
  boost::asio::io_context io;
  std::vector<std::string> steps;
  std::size_t in_flight = 0;

  ShutdownSteps wire() {
    return {.not_ready = [this] { steps.emplace_back("not_ready"); },
            .stop_new_work = [this] { steps.emplace_back("stop_new_work"); },
            .stop_accepting = [this] { steps.emplace_back("stop_accepting"); },
            .in_flight = [this] { return in_flight; },
            .stop =
                [this] {
                  steps.emplace_back("stop");
                  io.stop();
                }};
  }
};

class ShutdownTest : public ::testing::Test {
 protected:
  ShutdownTest() { log::setup({.level = log::Level::kError}); }
  Recorded r;
};

TEST_F(ShutdownTest, NotReadyFirstThenStopsAcceptingAndStopsWhenNothingIsInFlight) {
  Shutdown shutdown(r.io.get_executor(), r.wire(), milliseconds(0), milliseconds(10000));
  boost::asio::post(r.io, [&] { shutdown.begin(15); });
  r.io.run();
  EXPECT_EQ(r.steps,
            (std::vector<std::string>{"not_ready", "stop_new_work", "stop_accepting", "stop"}));
}

TEST_F(ShutdownTest, StillServesThroughTheDelayBeforeClosing) {
  Shutdown shutdown(r.io.get_executor(), r.wire(), milliseconds(50), milliseconds(10000));
  std::vector<std::string> during_delay;
  boost::asio::post(r.io, [&] {
    shutdown.begin(15);
    boost::asio::post(r.io, [&] { during_delay = r.steps; });
  });
  r.io.run();
  EXPECT_EQ(during_delay, (std::vector<std::string>{"not_ready"}));
  EXPECT_EQ(r.steps.back(), "stop");
}

TEST_F(ShutdownTest, WaitsForCallsInFlightThenStops) {
  r.in_flight = 2;
  Shutdown shutdown(r.io.get_executor(), r.wire(), milliseconds(0), milliseconds(10000));
  std::vector<std::string> while_in_flight;
  boost::asio::steady_timer answered(r.io, milliseconds(60));
  answered.async_wait([&](boost::system::error_code) {
    while_in_flight = r.steps;
    r.in_flight = 0;
  });
  boost::asio::post(r.io, [&] { shutdown.begin(15); });
  r.io.run();
  EXPECT_EQ(while_in_flight.back(), "stop_accepting");  // not stopped while calls were open
  EXPECT_EQ(r.steps.back(), "stop");
}

TEST_F(ShutdownTest, GivesUpOnCallsInFlightAtTheTimeout) {
  r.in_flight = 1;  // never answered
  Shutdown shutdown(r.io.get_executor(), r.wire(), milliseconds(0), milliseconds(50));
  boost::asio::post(r.io, [&] { shutdown.begin(15); });
  r.io.run();
  EXPECT_EQ(r.steps.back(), "stop");
}

TEST_F(ShutdownTest, ASecondSignalStopsAtOnce) {
  Shutdown shutdown(r.io.get_executor(), r.wire(), milliseconds(60000), milliseconds(10000));
  boost::asio::post(r.io, [&] {
    shutdown.begin(15);
    shutdown.begin(2);
  });
  r.io.run();
  EXPECT_EQ(r.steps, (std::vector<std::string>{"not_ready", "stop"}));
}

}  // namespace
}  // namespace ar::server
