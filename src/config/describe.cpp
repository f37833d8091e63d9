#include "config/describe.hpp"

#include <boost/json.hpp>

#include "util/duration.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace ar::config {

std::string describe(const Config& config) {
  std::string out = "# effective configuration (" + config.source + "); secrets redacted\n";
  std::size_t width = 0;
  for (const EffectiveSetting& s : config.effective) width = std::max(width, s.key.size());
  for (const EffectiveSetting& s : config.effective) {
    std::string value;
    if (s.secret && !s.value.empty()) {
      value = "<redacted>";
    } else {
      // Quoted and escaped; a password inside a URL (an S3 endpoint, a proxy) is a secret too.
      value = boost::json::serialize(boost::json::string(util::redact_url_passwords(s.value)));
    }
    std::string line = s.key + ": " + value;
    line.resize(std::max(line.size(), width + 2 + 24), ' ');
    out += line + "  # " + s.origin + "\n";
  }
  if (config.livekit.proxy) {
    out += "# livekit_host is reached through the proxy " + config.livekit.proxy->shown + " ($" +
           config.livekit.proxy->variable + ")\n";
  }
  for (const auto& [name, storage] : config.storages) {
    out += "# storages." + name + ": " + std::string(recording::storage_name(storage)) + "\n";
  }
  if (!config.rules.empty()) {
    out += "# rules, tried in order; rooms no rule fits are recorded with the settings above:\n";
  }
  for (const recording::Rule& rule : config.rules) {
    std::vector<std::string> match;
    if (!rule.match.name_glob.empty()) match.push_back("room \"" + rule.match.name_glob + "\"");
    if (!rule.match.name_regex.empty()) {
      match.push_back("room_regex \"" + rule.match.name_regex + "\"");
    }
    if (rule.match.ignore_case) match.emplace_back("ignore_case");
    if (!rule.match.metadata.empty()) {
      match.push_back("metadata " + boost::json::serialize(rule.match.metadata));
    }
    out += "#   " + rule.label + ": " + (match.empty() ? "every room" : util::join(match, ", ")) +
           " -> " + (rule.record ? "recorded" : "not recorded") + "\n";
  }
  out += describe_notifications(config.notify);
  return out;
}

std::string describe_notifications(const notify::Settings& settings) {
  if (settings.endpoints.empty()) return {};
  std::string out = "# notifications, signed by Standard Webhooks; each event tried for up to " +
                    util::format_duration(settings.give_up_after) + ", waits up to " +
                    util::format_duration(settings.max_backoff) + ":\n";
  for (const notify::Endpoint& e : settings.endpoints) {
    const ledger::Subscription& s = e.subscription;
    std::vector<std::string> events;
    if (s.session_finished) {
      std::vector<std::string> statuses;
      for (const model::SessionStatus status : s.statuses) {
        statuses.emplace_back(model::to_string(status));
      }
      events.push_back("room_session.finished" +
                       (statuses.empty() ? "" : " (" + util::join(statuses, ", ") + ")"));
    }
    if (s.recording_ended) events.emplace_back("recording.ended");
    out += "#   " + e.name() + " <- " + util::join(events, ", ") +
           (s.metadata ? ", with metadata" : "") + "; POST " + e.shown + ", timeout " +
           util::format_duration(e.timeout) + ", " + std::to_string(e.keys.size()) +
           (e.keys.size() == 1 ? " secret" : " secrets (each signs)");
    if (e.proxy) out += ", through the proxy " + e.proxy->shown + " ($" + e.proxy->variable + ")";
    out += "\n";
  }
  return out;
}

}  // namespace ar::config
