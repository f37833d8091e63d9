#include "util/asio_timers.hpp"

#include <boost/asio/post.hpp>

namespace ar::util {

AsioTimers::~AsioTimers() {
  stop();
}

Timers::Id AsioTimers::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  const Id id = next_id_++;
  // Asio timers are used from one thread only: this one creates, fires and cancels them.
  boost::asio::post(thread_.context(), [this, id, delay, fn = std::move(fn)]() mutable {
    auto& timer = pending_[id];
    timer = std::make_unique<boost::asio::steady_timer>(thread_.context(), delay);
    timer->async_wait([this, id, fn = std::move(fn)](boost::system::error_code ec) {
      pending_.erase(id);
      if (!ec) fn();
    });
  });
  return id;
}

void AsioTimers::cancel(Id id) {
  boost::asio::post(thread_.context(), [this, id] {
    if (auto it = pending_.find(id); it != pending_.end()) it->second->cancel();
  });
}

}  // namespace ar::util
