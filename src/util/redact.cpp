#include "util/redact.hpp"

namespace ar::util {
namespace {

// Where the user info of the URL whose "://" is at `scheme_end` ends (its '@'), or npos.
std::size_t user_info_end(std::string_view text, std::size_t scheme_end) {
  const std::size_t begin = scheme_end + 3;
  const std::size_t authority_end =
      std::min(text.find_first_of("/?#\"' \t\r\n<>", begin), text.size());
  const std::size_t at = text.substr(0, authority_end).rfind('@');
  return at == std::string_view::npos || at <= begin ? std::string_view::npos : at;
}

}  // namespace

bool has_url_user_info(std::string_view text) {
  for (std::size_t scheme = text.find("://"); scheme != std::string_view::npos;
       scheme = text.find("://", scheme + 3)) {
    if (user_info_end(text, scheme) != std::string_view::npos) return true;
  }
  return false;
}

std::string redact_url_passwords(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t scheme = text.find("://"); scheme != std::string_view::npos;
       scheme = text.find("://", scheme + 3)) {
    const std::size_t at = user_info_end(text, scheme);
    if (at == std::string_view::npos) continue;
    const std::size_t begin = scheme + 3;
    const std::size_t colon = text.substr(0, at).find(':', begin);
    const std::size_t secret_from = colon == std::string_view::npos ? begin : colon + 1;
    out.append(text.substr(copied, secret_from - copied));
    out += "<redacted>";
    copied = at;
    scheme = at;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace ar::util
