#pragma once
// What the server's sessions share with it (server/http_server.cpp, server/http_listener.cpp).
#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>

#include "server/http_server.hpp"
#include "server/waiting_connections.hpp"

namespace ar::server {

struct HttpServer::Shared {
  HttpLimits limits;
  Handler handler;
  HttpEvents events;
  std::atomic<bool> closing{false};
  std::atomic<std::size_t> connections{0};
  WaitingConnections waiting;
  mutable std::mutex tls_mutex;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP

  std::shared_ptr<boost::asio::ssl::context> tls_context() const {
    const std::lock_guard lock(tls_mutex);
    return tls;
  }
};

}  // namespace ar::server
