#pragma once
// Text that is safe to print where people read it: a terminal, a log, a report. Control
// characters (C0, DEL, C1), the Unicode line and paragraph separators and bytes that are not
// UTF-8 are escaped, so nothing a room name, an event id or a LiveKit error carries can move the
// cursor, recolour the terminal, set its title, erase what was written or start a new line.
#include <string>
#include <string_view>

namespace ar::util {

// Appends `text` with those characters escaped JSON-style (\n, \r, \t, \u001b, \u2028) and \xNN
// for a byte that is not UTF-8. `quoted`: the text goes between double quotes, so " and \ are
// escaped too. Returns whether anything was escaped, or any of `special_chars` occurs.
bool append_printable(std::string& out, std::string_view text, std::string_view special_chars = {},
                      bool quoted = false);

// `text` with those characters escaped, unquoted.
inline std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_printable(out, text);
  return out;
}

}  // namespace ar::util
