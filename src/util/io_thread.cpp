#include "util/io_thread.hpp"

namespace ar::util {

IoThread::IoThread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

IoThread::~IoThread() {
  stop();
}

void IoThread::stop() {
  io_.stop();
  join();
}

void IoThread::join() {
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ar::util
