#pragma once
// The connections that wait on their client: idle ones (no request in progress), and those in the
// middle of a request whose client is sending it or reading its answer. At max_connections one of
// them makes room for a newcomer: the one idle longest, else the one whose client moved (sent a
// byte, or took an answer) longest ago. So neither a flood of silent connections nor one of
// requests sent a byte at a time, nor answers never read, can lock LiveKit's webhooks out. Only
// connections whose answer the service itself owes are never closed. Shared by the server's
// threads.
#include <boost/intrusive/list.hpp>
#include <memory>
#include <mutex>

namespace ar::server {

class WaitingConnection : public boost::intrusive::list_base_hook<> {
 public:
  WaitingConnection() = default;
  WaitingConnection(const WaitingConnection&) = delete;
  WaitingConnection& operator=(const WaitingConnection&) = delete;

  // Closes the connection unless the service owes it an answer meanwhile; any thread may call it.
  virtual void evict() = 0;

 protected:
  ~WaitingConnection() = default;
  // The owner, or null once it is being destroyed.
  virtual std::shared_ptr<WaitingConnection> lock() = 0;

  friend class WaitingConnections;

 private:
  bool idle_ = false;  // in which list it is, while linked
};

class WaitingConnections {
 public:
  WaitingConnections() = default;
  WaitingConnections(const WaitingConnections&) = delete;
  WaitingConnections& operator=(const WaitingConnections&) = delete;
  ~WaitingConnections() {
    idle_.clear();
    active_.clear();
  }

  // No request in progress: at the back of the idle ones, unless idle already (it keeps its place).
  void idle(WaitingConnection& connection) {
    const std::lock_guard lock(mutex_);
    if (connection.is_linked() && connection.idle_) return;
    unlink(connection);
    connection.idle_ = true;
    idle_.push_back(connection);
  }

  // A request in progress whose client moved (sent bytes, or an answer began): to the back of
  // the active ones.
  void progressed(WaitingConnection& connection) {
    const std::lock_guard lock(mutex_);
    unlink(connection);
    connection.idle_ = false;
    active_.push_back(connection);
  }

  // The service owes it an answer, or it is gone.
  void remove(WaitingConnection& connection) {
    const std::lock_guard lock(mutex_);
    unlink(connection);
  }

  // Takes the connection idle longest, else the active one whose client moved longest ago; null
  // when every connection waits for the service's answer.
  std::shared_ptr<WaitingConnection> take_slowest() {
    const std::lock_guard lock(mutex_);
    for (auto* list : {&idle_, &active_}) {
      while (!list->empty()) {
        WaitingConnection& slowest = list->front();
        list->pop_front();
        // One whose destructor waits for this lock is skipped: it is going anyway.
        if (auto owner = slowest.lock()) return owner;
      }
    }
    return nullptr;
  }

 private:
  using List = boost::intrusive::list<WaitingConnection>;

  void unlink(WaitingConnection& connection) {
    if (!connection.is_linked()) return;
    List& list = connection.idle_ ? idle_ : active_;
    list.erase(list.iterator_to(connection));
  }

  std::mutex mutex_;
  List idle_;
  List active_;
};

}  // namespace ar::server
