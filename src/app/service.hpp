#pragma once
// The running service: its object graph, built in dependency order, and its shutdown order.
#include "config/config.hpp"

namespace ar::app {

// Runs the service until SIGTERM or SIGINT and the shutdown that follows. 0 after a shutdown;
// 1 when it cannot start (the reason is logged: a ledger that cannot be opened, a port in use).
int run_service(const config::Config& config);

}  // namespace ar::app
