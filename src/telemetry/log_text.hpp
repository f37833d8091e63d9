#pragma once
// How values appear in text log lines: safe to read in a terminal, whatever a room name, an event
// id or a LiveKit error carries (util/printable.hpp), so nothing can start a line that looks
// like another log line.
#include <string>
#include <string_view>

namespace ar::log {

// `value` as it is written after "key=": bare when that is unambiguous, else in double quotes
// with JSON-style escapes (\", \\, \n, \u001b, \u2028) and \xNN for a byte that is not UTF-8.
void append_text_value(std::string& out, std::string_view value);

// A message: the same escapes, never quoted.
void append_text_message(std::string& out, std::string_view message);

}  // namespace ar::log
