#pragma once
// The connections with no request in progress, longest idle first. At max_connections the one
// idle longest makes room for a newcomer, so a flood of silent or kept-alive connections cannot
// lock LiveKit's webhooks out (the newcomer was refused before). Shared by the server's threads.
#include <boost/intrusive/list.hpp>
#include <memory>
#include <mutex>

namespace ar::server {

class IdleConnection : public boost::intrusive::list_base_hook<> {
 public:
  IdleConnection() = default;
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;

  // Closes the connection unless a request has begun meanwhile; any thread may call it.
  virtual void evict() = 0;

 protected:
  ~IdleConnection() = default;
  // The owner, or null once it is being destroyed.
  virtual std::shared_ptr<IdleConnection> lock() = 0;

  friend class IdleConnections;
};

class IdleConnections {
 public:
  IdleConnections() = default;
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;
  ~IdleConnections() { list_.clear(); }

  // At the back (newest); a connection already in the list keeps its place.
  void add(IdleConnection& connection) {
    const std::lock_guard lock(mutex_);
    if (!connection.is_linked()) list_.push_back(connection);
  }

  void remove(IdleConnection& connection) {
    const std::lock_guard lock(mutex_);
    if (connection.is_linked()) list_.erase(list_.iterator_to(connection));
  }

  // Takes the connection idle longest out of the list; null when none is idle.
  std::shared_ptr<IdleConnection> take_oldest() {
    const std::lock_guard lock(mutex_);
    while (!list_.empty()) {
      IdleConnection& oldest = list_.front();
      list_.pop_front();
      // One whose destructor waits for this lock is skipped: it is going anyway.
      if (auto owner = oldest.lock()) return owner;
    }
    return nullptr;
  }

 private:
  std::mutex mutex_;
  boost::intrusive::list<IdleConnection> list_;
};

}  // namespace ar::server
