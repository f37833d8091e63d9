#include "config/expand.hpp"

namespace ar::config {
namespace {

bool is_name_char(char c, bool first) {
  const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  return first ? alpha : alpha || (c >= '0' && c <= '9');
}

}  // namespace

std::string expand_variables(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] != '{') {
      out += c;
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw ExpandError("unterminated \"${\": write ${NAME}, or $$ for a literal $");
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const std::size_t fallback_at = inner.find(":-");
    const std::string_view name = inner.substr(0, fallback_at);
    bool valid_name = !name.empty();
    for (std::size_t k = 0; valid_name && k < name.size(); ++k) {
      valid_name = is_name_char(name[k], k == 0);
    }
    if (!valid_name) {
      throw ExpandError("\"${" + std::string(inner) +
                        "}\" is not a variable reference: names use letters, digits and _");
    }
    const std::optional<std::string> value = env(name);
    if (fallback_at != std::string_view::npos) {
      out += (value && !value->empty()) ? *value : std::string(inner.substr(fallback_at + 2));
    } else if (value) {
      out += *value;
    } else {
      throw ExpandError("${" + std::string(name) + "} is not set: set the variable, or write ${" +
                        std::string(name) + ":-} to allow it to be empty");
    }
    i = close + 1;
  }
  return out;
}

}  // namespace ar::config
