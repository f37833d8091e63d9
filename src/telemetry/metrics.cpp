#include "telemetry/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ar::metrics {
namespace {

// Label values escape backslash, double quote and newline; help text backslash and newline.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string label_text(const Labels& labels, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!first) out += ",";
    first = false;
    out += name;
    out += "=\"";
    out += escape(value, true);
    out += "\"";
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out += "}";
  return out;
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  return fmt::format("{}", value);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  const auto index = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  const double micro = std::max(0.0, value) * 1e6;
  sum_micro_.fetch_add(static_cast<std::uint64_t>(std::llround(micro)), std::memory_order_relaxed);
}

void Histogram::snapshot(std::vector<std::uint64_t>& cumulative, double& sum,
                         std::uint64_t& count) const {
  cumulative.assign(bounds_.size() + 1, 0);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  count = running;  // consistent with the buckets, whatever arrived meanwhile
  sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

Registry::Series& Registry::series(std::string_view name, std::string_view help, Type type,
                                   const Labels& labels) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), {}}).first;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + std::string(name) + " registered with two types");
  }
  for (Series& s : it->second.series) {
    if (s.labels == labels) return s;
  }
  it->second.series.push_back(Series{labels, nullptr, nullptr, nullptr});
  return it->second.series.back();
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  const std::lock_guard lock(mutex_);
  Series& s = series(name, help, Type::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help,
                               std::vector<double> bounds, const Labels& labels) {
  const std::lock_guard lock(mutex_);
  Series& s = series(name, help, Type::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

void Registry::gauge(std::string_view name, std::string_view help, std::function<double()> read,
                     const Labels& labels) {
  const std::lock_guard lock(mutex_);
  series(name, help, Type::kGauge, labels).gauge = std::move(read);
}

void Registry::counter_read(std::string_view name, std::string_view help,
                            std::function<double()> read) {
  const std::lock_guard lock(mutex_);
  series(name, help, Type::kCounter, {}).gauge = std::move(read);
}

std::string Registry::render() const {
  // Copy what to print under the lock, then print without it: gauge callbacks take other locks
  // (the recorder's), and code holding those locks updates counters here.
  struct Item {
    const std::string* name;
    const Family* family;
    const Series* series;
    std::function<double()> gauge;
  };
  std::vector<Item> items;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [name, family] : families_) {
      for (const Series& s : family.series) items.push_back({&name, &family, &s, s.gauge});
    }
  }
  // Families and series are never removed, and their names, help texts and labels never change,
  // so the pointers stay valid; only the values are read concurrently, and they are atomic.
  std::string out;
  std::vector<std::uint64_t> cumulative;
  const std::string* current = nullptr;
  for (const Item& item : items) {
    const std::string& name = *item.name;
    if (item.name != current) {
      current = item.name;
      static constexpr std::string_view kTypes[] = {"counter", "gauge", "histogram"};
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape(item.family->help, false),
                         name, kTypes[static_cast<int>(item.family->type)]);
    }
    const Series& s = *item.series;
    if (s.counter) {
      out += fmt::format("{}{} {}\n", name, label_text(s.labels), s.counter->value());
    } else if (item.gauge) {
      out += fmt::format("{}{} {}\n", name, label_text(s.labels), number(item.gauge()));
    } else if (s.histogram) {
      double sum = 0;
      std::uint64_t count = 0;
      s.histogram->snapshot(cumulative, sum, count);
      const auto& bounds = s.histogram->bounds();
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        const std::string le = i < bounds.size() ? number(bounds[i]) : "+Inf";
        out += fmt::format("{}_bucket{} {}\n", name, label_text(s.labels, "le", le), cumulative[i]);
      }
      out += fmt::format("{}_sum{} {}\n", name, label_text(s.labels), number(sum));
      out += fmt::format("{}_count{} {}\n", name, label_text(s.labels), count);
    }
  }
  return out;
}

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace ar::metrics
