#pragma once
// Passwords inside URLs ("https://user:password@host/"), wherever a URL may be shown: the
// effective configuration, a request preview, a log line, an error message.
#include <string>
#include <string_view>

namespace ar::util {

// `text` with the password of every URL's user info replaced by <redacted> (all of the user
// info when it has no password: "https://TOKEN@host" carries a token as the user).
std::string redact_url_passwords(std::string_view text);

// True when redact_url_passwords would change `text`: cheap, for paths that must not allocate.
bool has_url_user_info(std::string_view text);

}  // namespace ar::util
