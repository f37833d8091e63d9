#include "util/authority.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

namespace ar::util {

std::optional<Authority> parse_authority(std::string_view text) {
  const auto parsed = boost::urls::parse_authority(text);
  if (!parsed || parsed->has_userinfo()) return std::nullopt;
  Authority out;
  switch (parsed->host_type()) {
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      // As written (an IPv6 address without its brackets): NO_PROXY entries compare to it.
      out.host = parsed->encoded_host_address();
      break;
    default:  // IPvFuture, none
      return std::nullopt;
  }
  // Percent-escapes in a host name would reach DNS and TLS name checks decoded.
  if (out.host.find('%') != std::string::npos) return std::nullopt;
  if (out.host.empty()) return std::nullopt;
  if (parsed->has_port()) {
    const std::string_view port = parsed->port();
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
        number > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(number);
  }
  return out;
}

}  // namespace ar::util
