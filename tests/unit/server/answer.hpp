#pragma once
// A handler's answer in a test: where a Responder delivers, from any thread, and what the test
// then sees (server/http.hpp).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "server/http.hpp"

namespace ar::testing {

class Answer final : public server::ResponseSink {
 public:
  Answer() = default;
  Answer(const Answer&) = delete;
  Answer& operator=(const Answer&) = delete;
  ~Answer() = default;

  void answer(server::HttpResponse response) override {
    const std::lock_guard lock(mutex_);
    ++answers_;
    response_ = std::move(response);
    changed_.notify_all();
  }

  // The answer, once it has come (within `timeout`); none if it has not.
  std::optional<server::HttpResponse> wait(
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return answers_ > 0; });
    return response_;
  }

  int answers() const {
    const std::lock_guard lock(mutex_);
    return answers_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int answers_ = 0;
  std::optional<server::HttpResponse> response_;
};

// The answer `handler` gives `request` before it returns (a failure, and a 0 status, if none).
inline server::HttpResponse answer_now(const server::Handler& handler,
                                       const server::HttpRequest& request) {
  const auto sink = std::make_shared<Answer>();
  handler(request, server::Responder(sink));
  EXPECT_EQ(sink->answers(), 1) << "the handler did not answer at once";
  server::HttpResponse none;
  none.status = 0;
  return sink->wait(std::chrono::milliseconds(0)).value_or(none);
}

// The answer `handler` gives `request`, at once or from another thread within `timeout` (a
// failure, and a 0 status, if none).
inline server::HttpResponse answer_within(
    const server::Handler& handler, const server::HttpRequest& request,
    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto sink = std::make_shared<Answer>();
  handler(request, server::Responder(sink));
  server::HttpResponse none;
  none.status = 0;
  const auto answer = sink->wait(timeout);
  EXPECT_TRUE(answer) << "no answer within " << timeout.count() << " ms";
  return answer.value_or(none);
}

}  // namespace ar::testing
