#pragma once
// The standard process_* metrics (as Prometheus's client libraries export them), read from
// /proc/self when scraped: CPU time, memory, descriptors, and when the process started.
#include <cstdint>
#include <optional>
#include <string_view>

namespace ar::metrics {

// What /proc/self/stat says of the process; nullopt when the line does not parse.
struct ProcessStat {
  double cpu_seconds = 0;    // user + system
  double start_seconds = 0;  // since boot
  std::uint64_t virtual_bytes = 0;
  std::uint64_t resident_bytes = 0;
};
std::optional<ProcessStat> parse_proc_stat(std::string_view line, long ticks_per_second,
                                           long page_size);

// Registers process_cpu_seconds_total, process_start_time_seconds,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds and
// process_max_fds. Once, at startup.
void publish_process_metrics();

}  // namespace ar::metrics
