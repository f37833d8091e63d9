#pragma once
// What the fakes answer, queued: nothing answers inside a call, as in the service, where answers
// come from another thread; a test runs them with settle() and can look in between.
#include <cstddef>
#include <deque>
#include <functional>

namespace ar::testing {

// Answers queued by the fakes, run by settle() in the order they were asked.
class Answers {
 public:
  void push(std::function<void()> answer) { queue_.push_back(std::move(answer)); }
  // Runs every answer, including those the answers cause; the number run.
  std::size_t settle() {
    std::size_t n = 0;
    while (!queue_.empty()) {
      auto answer = std::move(queue_.front());
      queue_.pop_front();
      answer();
      ++n;
    }
    return n;
  }
  std::size_t waiting() const { return queue_.size(); }
  // Forgets every answer still to come: the process that asked is gone (killed mid-call).
  void clear() { queue_.clear(); }

 private:
  std::deque<std::function<void()>> queue_;
};

}  // namespace ar::testing
