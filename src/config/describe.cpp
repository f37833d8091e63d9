#include "config/describe.hpp"

#include <boost/json.hpp>

namespace ar::config {

std::string describe(const Config& config) {
  std::string out = "# effective configuration (" + config.source + "); secrets redacted\n";
  std::size_t width = 0;
  for (const EffectiveSetting& s : config.effective) width = std::max(width, s.key.size());
  for (const EffectiveSetting& s : config.effective) {
    std::string value;
    if (s.secret && !s.value.empty()) {
      value = "<redacted>";
    } else {
      value = boost::json::serialize(boost::json::string(s.value));  // quoted and escaped
    }
    std::string line = s.key + ": " + value;
    line.resize(std::max(line.size(), width + 2 + 24), ' ');
    out += line + "  # " + s.origin + "\n";
  }
  return out;
}

}  // namespace ar::config
