#pragma once
// The redis.* settings: off without an address or Sentinels; otherwise checked together.
#include "config/raw.hpp"
#include "coordination/settings.hpp"

namespace ar::config {

coordination::RedisSettings read_redis(const Reader& in);

}  // namespace ar::config
