#pragma once
// Readers for the sections of the configuration that map one to one onto a struct. Each throws
// ConfigError naming the setting and the fix.
#include "config/config.hpp"
#include "config/raw.hpp"

namespace ar::config {

LiveKitApi read_livekit(const Reader& in);
// The webhook key and secret default to LiveKit's API key and secret.
WebhookAuth read_webhook(const Reader& in, const LiveKitApi& api);
Server read_server(const Reader& in);
// The ledger API's token: empty (the API is off), or at least kMinApiTokenBytes not all blank.
std::string read_api_token(const Reader& in);
inline constexpr std::size_t kMinApiTokenBytes = 16;
recorder::Delivery read_delivery(const Reader& in);
log::Settings read_logging(const Reader& in);
// `redis_enabled`: several replicas, whose ledger cannot be one SQLite file each.
ledger::Settings read_ledger(const Reader& in, bool redis_enabled,
                             std::vector<std::string>& warnings);

}  // namespace ar::config
