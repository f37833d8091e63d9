#include "util/printable.hpp"

#include <array>
#include <cstdint>

namespace ar::util {
namespace {

constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void append_hex(std::string& out, std::string_view prefix, std::uint32_t value, int digits) {
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex.at((value >> shift) & 0xF);
}

// The length of the valid UTF-8 sequence at the start of `text` and its code point; 0 when the
// first byte does not start one.
std::size_t utf8_sequence(std::string_view text, std::uint32_t& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(0);
  std::size_t length = 0;
  std::uint32_t min = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  return code_point < min || code_point > 0x10FFFF || surrogate ? 0 : length;
}

bool needs_escape(std::uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F) || code_point == 0x2028 ||
         code_point == 0x2029;
}

}  // namespace

bool append_printable(std::string& out, std::string_view text, std::string_view special_chars,
                      bool quoted) {
  bool special = false;
  while (!text.empty()) {
    std::uint32_t code_point = 0;
    const std::size_t length = utf8_sequence(text, code_point);
    if (length == 0) {
      append_hex(out, "\\x", static_cast<std::uint8_t>(text.front()), 2);
      special = true;
      text.remove_prefix(1);
      continue;
    }
    if (quoted && (code_point == '"' || code_point == '\\')) {
      out += '\\';
      out += static_cast<char>(code_point);
      special = true;
    } else if (code_point == '\n') {
      out += "\\n";
      special = true;
    } else if (code_point == '\r') {
      out += "\\r";
      special = true;
    } else if (code_point == '\t') {
      out += "\\t";
      special = true;
    } else if (needs_escape(code_point)) {
      append_hex(out, "\\u", code_point, 4);
      special = true;
    } else {
      if (length == 1 && special_chars.find(text.front()) != std::string_view::npos) special = true;
      out.append(text.substr(0, length));
    }
    text.remove_prefix(length);
  }
  return special;
}

}  // namespace ar::util
