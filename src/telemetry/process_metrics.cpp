#include "telemetry/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include "telemetry/metrics.hpp"
#include "util/file.hpp"

namespace ar::metrics {
namespace {

// A /proc file's text (the kernel reports size 0 and makes it as it is read); empty when it
// cannot be read.
std::string read_proc(const char* path, std::size_t max_bytes) {
  try {
    return util::read_small_file(path, max_bytes);
  } catch (const util::FileError&) {
    return {};
  }
}

std::optional<ProcessStat> self_stat() {
  return parse_proc_stat(read_proc("/proc/self/stat", 4096), sysconf(_SC_CLK_TCK),
                         sysconf(_SC_PAGESIZE));
}

// Seconds since the epoch at which the machine booted ("btime" in /proc/stat, whose interrupt
// lines grow with the number of CPUs).
double boot_time() {
  const std::string text = read_proc("/proc/stat", std::size_t{1} << 20);
  const auto at = text.find("\nbtime ");
  if (at == std::string::npos) return 0;
  double seconds = 0;
  const char* begin = text.data() + at + 7;
  std::from_chars(begin, text.data() + text.size(), seconds);
  return seconds;
}

double open_fds() {
  std::error_code ec;
  const auto count = std::distance(std::filesystem::directory_iterator("/proc/self/fd", ec),
                                   std::filesystem::directory_iterator());
  return ec ? 0 : static_cast<double>(count - 1);  // less the one listing the directory
}

}  // namespace

std::optional<ProcessStat> parse_proc_stat(std::string_view line, long ticks_per_second,
                                           long page_size) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields from the
  // last ')'. After it, field 3 (state) is index 0; utime is field 14, stime 15, starttime 22,
  // vsize 23, rss 24 (proc(5)).
  const auto close = line.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0 || page_size <= 0) {
    return std::nullopt;
  }
  std::vector<std::string_view> fields;
  std::string_view rest = line.substr(close + 1);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find(' ');
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  auto number = [&fields](std::size_t field) -> std::optional<std::uint64_t> {
    const std::size_t index = field - 3;
    if (index >= fields.size()) return std::nullopt;
    std::uint64_t value = 0;
    const std::string_view text = fields[index];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  };
  const auto utime = number(14);
  const auto stime = number(15);
  const auto start = number(22);
  const auto vsize = number(23);
  const auto rss = number(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  const auto ticks = static_cast<double>(ticks_per_second);
  return ProcessStat{static_cast<double>(*utime + *stime) / ticks,
                     static_cast<double>(*start) / ticks, *vsize,
                     *rss * static_cast<std::uint64_t>(page_size)};
}

void publish_process_metrics() {
  Registry& r = registry();
  r.counter_read("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                 [] { return self_stat().value_or(ProcessStat{}).cpu_seconds; });
  const double started = boot_time() + self_stat().value_or(ProcessStat{}).start_seconds;
  r.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
          [started] { return started; });
  r.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
          [] { return static_cast<double>(self_stat().value_or(ProcessStat{}).resident_bytes); });
  r.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
          [] { return static_cast<double>(self_stat().value_or(ProcessStat{}).virtual_bytes); });
  r.gauge("process_open_fds", "Number of open file descriptors.", open_fds);
  r.gauge("process_max_fds", "Maximum number of open file descriptors.", [] {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0.0;
    return static_cast<double>(limit.rlim_cur);
  });
}

}  // namespace ar::metrics
