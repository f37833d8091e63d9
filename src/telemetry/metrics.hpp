#pragma once
// A small Prometheus registry, written against the text exposition format (version 0.0.4):
// counters, gauges and histograms with fixed label sets. Series are created once and then
// updated lock-free; only creation and rendering take the registry's lock.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ar::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Cumulative bucket counts (one per bound, then +Inf), sum and count, for rendering.
  void snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // sum in millionths: atomics on doubles are awkward
};

class Registry {
 public:
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                       const Labels& labels = {});
  // A gauge read when scraped (queue depth, calls in flight, ...).
  void gauge(std::string_view name, std::string_view help, std::function<double()> read,
             const Labels& labels = {});
  // A counter kept by someone else (the kernel's CPU time), read when scraped.
  void counter_read(std::string_view name, std::string_view help, std::function<double()> read);

  // The text exposition format, families sorted by name.
  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> gauge;
  };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::deque<Series> series;  // a deque: rendering keeps pointers while series are added
  };
  Series& series(std::string_view name, std::string_view help, Type type, const Labels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

// The process's registry.
Registry& registry();

}  // namespace ar::metrics
