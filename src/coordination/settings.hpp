#pragma once
// Where Redis is and how long claims and the lease last: coordination's settings.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ar::coordination {

struct HostPort {
  std::string host;
  std::uint16_t port = 6379;
};

// Coordination of several replicas through Redis. Neither an address nor Sentinels: one replica,
// everything in memory.
struct RedisSettings {
  std::optional<HostPort> address;
  std::vector<HostPort> sentinels;
  std::string sentinel_master_name;
  std::string sentinel_username;
  std::string sentinel_password;
  std::string username;
  std::string password;
  std::uint32_t db = 0;
  bool tls = false;
  std::string ca_file;  // empty: the system's CA bundle
  std::string key_prefix = "auto-recorder:";
  std::chrono::milliseconds claim_ttl{30000};
  std::chrono::milliseconds lease_ttl{15000};
  std::chrono::milliseconds timeout{1000};

  bool enabled() const { return address.has_value() || !sentinels.empty(); }
};

}  // namespace ar::coordination
