#include "telemetry/log_text.hpp"

#include "util/printable.hpp"

namespace ar::log {

void append_text_value(std::string& out, std::string_view value) {
  const std::size_t start = out.size();
  out += '"';
  const bool special = util::append_printable(out, value, " =", true);
  if (special || value.empty()) {
    out += '"';
    return;
  }
  out.erase(start, 1);  // plain: no quotes needed
}

void append_text_message(std::string& out, std::string_view message) {
  util::append_printable(out, message, "", false);
}

}  // namespace ar::log
