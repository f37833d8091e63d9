#pragma once
// The notifier as the service runs it (notify/notifier.hpp): its own connection to the ledger's
// outbox, its attempts counted and logged, its backlog in /metrics.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ledger/outbox.hpp"
#include "ledger/settings.hpp"
#include "notify/notifier.hpp"

namespace ar::app {

class Notifications {
 public:
  // Nothing runs without endpoints, or with the ledger off.
  Notifications(const notify::Settings& settings, const ledger::Settings& ledger);
  Notifications(const Notifications&) = delete;
  Notifications& operator=(const Notifications&) = delete;
  ~Notifications() = default;

  // After the ledger's writer opened the ledger (notify::Notifier::start).
  void start() const {
    if (notifier_) notifier_->start();
  }
  // The ledger wrote an event: deliver it now.
  void wake() const {
    if (notifier_) notifier_->wake();
  }
  void stop() const {
    if (notifier_) notifier_->stop();
  }

 private:
  ledger::Backlog backlog_of(const std::string& endpoint);
  void warn_of_orphans(const std::map<std::string, ledger::Backlog, std::less<>>& backlog,
                       const std::vector<std::string>& names);

  std::mutex mutex_;
  std::map<std::string, ledger::Backlog, std::less<>> backlog_;
  std::set<std::string> orphans_told_;          // the notifier's thread only
  std::unique_ptr<notify::Notifier> notifier_;  // last: its thread uses the above
};

}  // namespace ar::app
