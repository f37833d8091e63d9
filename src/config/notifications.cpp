// NOTIFY_URL and `notifications:`: each endpoint's URL, secrets, events, statuses and timeout.
#include "config/notifications.hpp"

#include <set>

#include "config/error.hpp"
#include "config/files.hpp"
#include "notify/http_post.hpp"
#include "notify/signature.hpp"
#include "util/connect.hpp"
#include "util/text.hpp"

namespace ar::config {
namespace {

// "did you mean x?" for a word close to one of the names of `table`.
template <typename Table>
std::string did_you_mean(std::string_view word, const Table& table) {
  std::string_view best;
  std::size_t distance = 4;  // closer than this, or no guess
  for (const std::string_view name : table.names) {
    if (const std::size_t d = util::edit_distance(word, name); d < distance) {
      best = name;
      distance = d;
    }
  }
  if (best.empty()) return ": write " + table.listed();
  return ": did you mean " + std::string(best) + "?";
}

// The URL's target. Never quoted back: its path or query may hold a token (a Slack or Zapier
// hook), its user info a password.
notify::Target parse_url(const std::string& setting, const std::string& url) {
  const auto target = notify::parse_target(url);
  if (!target) {
    throw ConfigError(setting +
                      " is not an http:// or https:// URL: write e.g. "
                      "https://app.example.com/hooks/recordings");
  }
  return *target;
}

std::vector<std::string> read_keys(const std::string& setting, const std::string& secret) {
  std::vector<std::string> keys;
  for (const std::string& word : split_list(secret)) {
    for (std::size_t at = 0; at < word.size();) {
      const std::size_t end = std::min(word.find(' ', at), word.size());
      if (end > at) {
        const auto key = notify::secret_key(word.substr(at, end - at));
        // The secret itself is never quoted.
        if (!key) {
          throw ConfigError(setting +
                            " is not a Standard Webhooks secret: write whsec_ and the base64 of "
                            "24 to 64 random bytes (e.g. echo whsec_$(openssl rand -base64 32)); "
                            "during a rotation, the new and the old one separated by a space");
        }
        keys.push_back(*key);
      }
      at = end + 1;
    }
  }
  if (keys.empty()) {
    throw ConfigError(setting + " is required: the secret the receiver verifies signatures with");
  }
  return keys;
}

struct Given {
  std::string url_setting;     // "notify_url (NOTIFY_URL)", "notifications[1].url"
  std::string secret_setting;  // the setting that names the secret, for messages
  std::string url;
  std::string secret;
  std::string name;
  std::chrono::milliseconds timeout;
  std::string ca_file;
  std::string ca_setting;
};

notify::Endpoint make_endpoint(const Given& given, const EnvLookup& env) {
  const notify::Target target = parse_url(given.url_setting, given.url);
  notify::Endpoint out;
  out.url = given.url;
  // What people and metrics see of it: its scheme and authority, not its path, query or user.
  out.shown = std::string(target.tls ? "https://" : "http://") + target.authority +
              (target.path == "/" ? "/" : "/...");
  out.keys = read_keys(given.secret_setting, given.secret);
  out.timeout = given.timeout;
  out.subscription.endpoint = given.name.empty() ? target.authority : given.name;
  out.ca_file = given.ca_file;
  if (!out.ca_file.empty() && !target.tls) {
    throw ConfigError(given.ca_setting + " is set but " + given.url_setting +
                      " is http://: use https://, or remove the CA file");
  }
  require_pem_file(given.ca_setting, out.ca_file, "a PEM CA bundle");
  if (!out.ca_file.empty()) {
    try {
      util::make_tls_client_context(out.ca_file, true);  // loaded now, as the notifier will
    } catch (const std::exception& e) {
      throw ConfigError(given.ca_setting + ": " + out.ca_file +
                        " could not be loaded as PEM CA certificates (" + e.what() + ")");
    }
  }
  try {
    out.proxy = util::proxy_for(target.tls ? "https" : "http", target.host, target.port, env);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  return out;
}

void read_wants(const Reader& in, ledger::Subscription& s) {
  const auto events = split_list(in.text("notification.events"));
  if (!events.empty()) {
    s.session_finished = s.recording_ended = false;
    for (const std::string& word : events) {
      const auto type = ledger::kEventTypeNames.named(word);
      if (!type) {
        throw ConfigError(in.name("notification.events") + ": \"" + word + "\" is not an event" +
                          did_you_mean(word, ledger::kEventTypeNames));
      }
      (*type == ledger::EventType::kSessionFinished ? s.session_finished : s.recording_ended) =
          true;
    }
  }
  for (const std::string& word : split_list(in.text("notification.statuses"))) {
    const auto status = model::kSessionStatusNames.named(lower(word));
    if (!status || *status == model::SessionStatus::kRecording) {
      throw ConfigError(
          in.name("notification.statuses") + ": \"" + word + "\" is not a final status" +
          did_you_mean(word, model::kSessionStatusNames) + " (recording is never final)");
    }
    s.statuses.push_back(*status);
  }
  if (in.boolean("notification.metadata") && !s.session_finished) {
    throw ConfigError(in.name("notification.metadata") +
                      " puts the room's metadata in room_session.finished, which its events leave "
                      "out: add it to events, or remove metadata");
  }
  if (!s.statuses.empty() && !s.session_finished) {
    throw ConfigError(in.name("notification.statuses") +
                      " filters room_session.finished, which its events leave out: add it to "
                      "events, or remove statuses");
  }
  s.metadata = in.boolean("notification.metadata");
}

// What every entry of notifications: reads besides its own settings.
struct Listed {
  const std::string& file;
  const EnvLookup& env;
  const std::string& top_secret;
  std::chrono::milliseconds timeout;
};

// One endpoint of notifications: (its `i`th entry). Without a secret of its own it signs with
// notify_secret (NOTIFY_SECRET): `top_secret_used` says so.
notify::Endpoint read_listed(const YAML::Node& item, std::size_t i, const Listed& with,
                             bool& top_secret_used) {
  const std::string label = "notifications[" + std::to_string(i) + "].";
  RawSettings own;
  YamlReader reader(
      {.file = with.file,
       .strip = "notification.",
       .shown = label,
       .allowed = [](std::string_view key) { return key.starts_with("notification."); },
       .kind = "endpoint setting (url, secret, name, events, statuses, "
               "metadata, timeout, ca_file)"},
      with.env, own);
  if (!item.IsMap()) reader.fail("", item, "must be a mapping: url, secret, ...");
  reader.read_mapping(item, "notification");
  read_yaml_secret_files(with.file, own);
  const Reader entry(own, "notification.", label);
  const bool own_secret = entry.get("notification.secret").has_value();
  top_secret_used = top_secret_used || !own_secret;
  notify::Endpoint endpoint = make_endpoint(
      {entry.name("notification.url"),
       own_secret ? entry.name("notification.secret")
                  : entry.name("notification.secret") + " (or notify_secret, NOTIFY_SECRET)",
       entry.required("notification.url", " for each endpoint"),
       own_secret ? entry.text("notification.secret") : with.top_secret,
       entry.text("notification.name"),
       entry.get("notification.timeout") ? entry.duration("notification.timeout", false)
                                         : with.timeout,
       entry.text("notification.ca_file"), entry.name("notification.ca_file")},
      with.env);
  read_wants(entry, endpoint.subscription);
  return endpoint;
}

}  // namespace

notify::Settings read_notifications(const YAML::Node& node, const RawSettings& top,
                                    const std::string& file, const EnvLookup& env,
                                    std::vector<std::string>& warnings) {
  notify::Settings out;
  const Reader in(top);
  for (const auto& [key, value] : top.values) {
    if (key.starts_with("notification.")) {
      throw ConfigError(key +
                        " is a key of each endpoint: write it under notifications: (a list, "
                        "- url: ...), or use notify_url (NOTIFY_URL) for one endpoint");
    }
  }
  out.max_backoff = in.duration("notify_max_backoff", false);
  out.give_up_after = in.duration("notify_give_up_after", false);
  const std::chrono::milliseconds timeout = in.duration("notify_timeout", false);
  const std::string top_secret = in.text("notify_secret");
  bool top_secret_used = false;
  if (const std::string url = in.text("notify_url"); !url.empty()) {
    top_secret_used = true;
    out.endpoints.push_back(make_endpoint(
        {name_of("notify_url"), name_of("notify_secret"), url, top_secret, {}, timeout, {}, {}},
        env));
  }
  const bool listed = node.IsDefined() && !node.IsNull();
  for (const char* key : {"notify_timeout", "notify_max_backoff", "notify_give_up_after"}) {
    if (in.get(key) && out.endpoints.empty() && !listed) {
      throw ConfigError(name_of(key) +
                        " is set, but no notification endpoint is: set notify_url (NOTIFY_URL) "
                        "or notifications:, or remove it");
    }
  }
  if (listed) {
    RawSettings unused;
    const YamlReader outer({.file = file, .shown = "notifications"}, env, unused);
    if (!node.IsSequence()) outer.fail("", node, "must be a list of endpoints (- url: ...)");
    const Listed with{file, env, top_secret, timeout};
    for (std::size_t i = 0; i < node.size(); ++i) {
      out.endpoints.push_back(read_listed(node[i], i, with, top_secret_used));
    }
  }
  // A warning, not an error: the manifests' Secret may hold NOTIFY_SECRET (an optional key,
  // read through NOTIFY_SECRET_FILE) before anyone sets NOTIFY_URL.
  if (!top_secret.empty() && !top_secret_used) {
    warnings.push_back(name_of("notify_secret") +
                       " is set, but no endpoint signs with it: set notify_url (NOTIFY_URL), or "
                       "leave secret out of an endpoint of notifications:, or remove it");
  }
  std::set<std::string> names;
  for (const notify::Endpoint& e : out.endpoints) {
    if (!names.insert(e.name()).second) {
      throw ConfigError("two notification endpoints are named \"" + e.name() +
                        "\": give one a name: of its own in notifications:");
    }
  }
  return out;
}

}  // namespace ar::config
