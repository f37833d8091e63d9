#include "server/io_pool.hpp"

namespace ar::server {

IoPool::IoPool(unsigned threads) {
  for (unsigned i = 0; i < std::max(threads, 1U); ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

IoPool::~IoPool() {
  for (auto& context : contexts_) context->stop();
}

boost::asio::io_context& IoPool::next() {
  boost::asio::io_context& context = *contexts_[next_];
  next_ = (next_ + 1) % contexts_.size();
  return context;
}

void IoPool::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([context = contexts_[i].get()] { context->run(); });
  }
  contexts_.front()->run();
  // main() was stopped: the other contexts drop their open connections and return.
  for (std::size_t i = 1; i < contexts_.size(); ++i) contexts_[i]->stop();
  for (std::thread& thread : threads) thread.join();
}

}  // namespace ar::server
