#include "util/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace ar::util {
namespace {

struct Unit {
  std::string_view suffix;
  double nanoseconds;
};

// Longest suffix first so "ms" is not read as "m" followed by garbage.
// Days too, which Go lacks: a retention of "400d", as `report --since 7d` takes.
constexpr std::array<Unit, 7> kUnits{{{"ms", 1e6},
                                      {"us", 1e3},
                                      {"ns", 1.0},
                                      {"d", 86400e9},
                                      {"h", 3600e9},
                                      {"m", 60e9},
                                      {"s", 1e9}}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds{0};
  if (text.empty()) return std::nullopt;
  double total_ns = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t number_start = i;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    const std::string_view number = text.substr(number_start, i - number_start);
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) {
      return std::nullopt;
    }
    double value = 0;
    double scale = 0;  // 0 while reading the integer part
    for (const char c : number) {
      if (c == '.') {
        scale = 0.1;
      } else if (scale == 0) {
        value = value * 10 + (c - '0');
      } else {
        value += (c - '0') * scale;
        scale /= 10;
      }
    }
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(i, candidate.suffix.size()) == candidate.suffix) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += unit->suffix.size();
    total_ns += value * unit->nanoseconds;
    // Ten years is beyond any sensible timeout or retention; refusing more also keeps the cast
    // below defined.
    if (total_ns > 3653.0 * 24 * 3600e9) return std::nullopt;
  }
  return std::chrono::milliseconds{static_cast<std::int64_t>(total_ns / 1e6)};
}

std::string format_duration(std::chrono::milliseconds value) {
  auto ms = value.count();
  if (ms == 0) return "0s";
  std::string out;
  if (const auto hours = ms / 3'600'000; hours > 0) {
    out += std::to_string(hours) + "h";
    ms %= 3'600'000;
  }
  if (const auto minutes = ms / 60'000; minutes > 0) {
    out += std::to_string(minutes) + "m";
    ms %= 60'000;
  }
  if (const auto seconds = ms / 1000; seconds > 0) {
    out += std::to_string(seconds) + "s";
    ms %= 1000;
  }
  if (ms > 0) out += std::to_string(ms) + "ms";
  return out;
}

}  // namespace ar::util
