#include "recorder/restart_window.hpp"

namespace ar::recorder {

void RestartWindow::failed(const std::string& room, const std::string& sid, TimePoint now) {
  History& history = history_[room];
  history.sid = sid;
  history.failures.push_back(now);
}

void RestartWindow::forget(const std::string& room, const std::string& sid) {
  if (!room.empty()) {
    history_.erase(room);
  } else {
    std::erase_if(history_, [&sid](const auto& h) { return h.second.sid == sid; });
  }
}

RestartWindow::History* RestartWindow::pruned(const std::string& room, TimePoint now) {
  auto it = history_.find(room);
  if (it == history_.end()) return nullptr;
  History& h = it->second;
  for (auto* times : {&h.failures, &h.restarts}) {
    while (!times->empty() && times->front() + std::chrono::hours(1) <= now) times->pop_front();
  }
  if (h.failures.empty() && h.restarts.empty()) {
    history_.erase(it);
    return nullptr;
  }
  return &h;
}

bool RestartWindow::after_failure(const std::string& room, TimePoint now) {
  const History* history = pruned(room, now);
  return history != nullptr && !history->failures.empty();
}

std::optional<RestartWindow::Limit> RestartWindow::at_limit(History& history) const {
  if (history.restarts.size() < max_per_hour_) return std::nullopt;
  const Limit limit{history.restarts.size(), history.limit_told};
  history.limit_told = true;
  return limit;
}

std::optional<RestartWindow::Limit> RestartWindow::limit_reached(const std::string& room,
                                                                 TimePoint now) {
  History* history = pruned(room, now);
  if (history == nullptr || history->failures.empty()) return std::nullopt;
  return at_limit(*history);
}

std::optional<RestartWindow::Limit> RestartWindow::count(const std::string& room,
                                                         const std::string& sid, TimePoint now) {
  History* history = pruned(room, now);
  if (history == nullptr) history = &history_[room];
  history->sid = sid;
  if (auto limit = at_limit(*history)) return limit;
  if (history->failures.empty()) history->failures.push_back(now);
  history->restarts.push_back(now);
  return std::nullopt;
}

}  // namespace ar::recorder
