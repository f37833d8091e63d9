#include "util/io_thread.hpp"

namespace ar::util {

IoThread::IoThread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

IoThread::~IoThread() {
  stop();
}

void IoThread::stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ar::util
