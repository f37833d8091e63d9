#include "util/wall_clock.hpp"

#include <cstdio>

namespace ar::util {

std::string rfc3339(std::int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> at{milliseconds(ms)};
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss time{at - day};
  char buffer[40];
  const auto millis = time.subseconds().count();
  std::snprintf(
      buffer, sizeof buffer,
      millis == 0 ? "%04d-%02u-%02uT%02d:%02d:%02dZ" : "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
      static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
      static_cast<int>(millis));
  return buffer;
}

}  // namespace ar::util
