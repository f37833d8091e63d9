// Redis for several replicas: where it is (an address, or Sentinels) and the claims' timing.
#include "config/redis.hpp"

#include "config/error.hpp"
#include "config/files.hpp"
#include "config/settings.hpp"
#include "util/authority.hpp"

namespace ar::config {
namespace {

coordination::HostPort read_host_port(std::string_view key, std::string_view text) {
  const auto parsed = util::parse_authority(text);
  if (!parsed) {
    // A redis://user:password@host URL would put the password into the message. (Appended
    // piece by piece: GCC 12 warns falsely of overlap in "\"" + std::string(text) + "\"".)
    std::string shown = "the value (not shown: it holds credentials)";
    if (text.find('@') == std::string_view::npos) {
      shown = "\"";
      shown.append(text).append("\"");
    }
    throw ConfigError(name_of(key) + ": " + shown +
                      " is not host:port: write e.g. redis:6379 (no redis:// prefix; TLS is " +
                      name_of("redis.tls") + ", the password redis.password)");
  }
  coordination::HostPort out{parsed->host};
  if (parsed->port) out.port = *parsed->port;
  return out;
}

}  // namespace

coordination::RedisSettings read_redis(const Reader& in) {
  coordination::RedisSettings redis;
  const std::string address = in.text("redis.address");
  if (!address.empty()) redis.address = read_host_port("redis.address", address);
  for (const std::string& sentinel : split_list(in.text("redis.sentinel_addresses"))) {
    redis.sentinels.push_back(read_host_port("redis.sentinel_addresses", sentinel));
  }
  if (!redis.enabled()) {
    // Redis settings without an address would be silently ignored: say so instead.
    for (const Setting& setting : all_settings()) {
      if (setting.key.starts_with("redis.") && in.get(setting.key)) {
        throw ConfigError(name_of(setting.key) +
                          " is set, but Redis is off: set redis.address (REDIS_ADDRESS) or "
                          "redis.sentinel_addresses to coordinate replicas, or remove it");
      }
    }
    return redis;
  }
  if (redis.address && !redis.sentinels.empty()) {
    throw ConfigError("set either " + name_of("redis.address") + " or " +
                      name_of("redis.sentinel_addresses") + ", not both");
  }
  redis.sentinel_master_name = in.text("redis.sentinel_master_name");
  if (!redis.sentinels.empty() && redis.sentinel_master_name.empty()) {
    throw ConfigError(name_of("redis.sentinel_master_name") +
                      " is required with redis.sentinel_addresses: the name in the Sentinels' "
                      "\"sentinel monitor\" line");
  }
  if (redis.sentinels.empty() && !redis.sentinel_master_name.empty()) {
    throw ConfigError(name_of("redis.sentinel_master_name") +
                      " needs redis.sentinel_addresses (REDIS_SENTINEL_ADDRESSES)");
  }
  redis.sentinel_username = in.text("redis.sentinel_username");
  redis.sentinel_password = in.text("redis.sentinel_password");
  redis.username = in.text("redis.username");
  redis.password = in.text("redis.password");
  if (!redis.username.empty() && redis.password.empty()) {
    throw ConfigError(name_of("redis.password") + " is required with redis.username");
  }
  redis.db = static_cast<std::uint32_t>(in.integer("redis.db", 0, 100000));
  redis.tls = in.boolean("redis.tls");
  redis.ca_file = in.text("redis.ca_file");
  if (!redis.ca_file.empty() && !redis.tls) {
    throw ConfigError(name_of("redis.ca_file") + " is set but " + name_of("redis.tls") +
                      " is off: turn TLS on, or remove the CA file");
  }
  require_pem_file(name_of("redis.ca_file"), redis.ca_file, "a PEM CA bundle");
  redis.key_prefix = in.text("redis.key_prefix");
  redis.claim_ttl = in.duration("redis.claim_ttl", false);
  redis.lease_ttl = in.duration("redis.lease_ttl", false);
  redis.timeout = in.duration("redis.timeout", false);
  if (redis.lease_ttl < std::chrono::seconds(1) || redis.claim_ttl < std::chrono::seconds(1)) {
    throw ConfigError(
        name_of(redis.lease_ttl < std::chrono::seconds(1) ? "redis.lease_ttl" : "redis.claim_ttl") +
        " must be at least 1s: it is renewed over the network");
  }
  if (redis.timeout * 2 > redis.lease_ttl) {
    throw ConfigError(name_of("redis.timeout") + " must be at most half of " +
                      name_of("redis.lease_ttl") +
                      ", or a slow Redis would lose the lease between renewals");
  }
  return redis;
}

}  // namespace ar::config
