// A library that calls into util without linking it, as a folder calling one src/layers.txt does
// not let it use: its layer check must fail to link (ctest lint.layers_link).
#include <chrono>
#include <string>

#include "util/duration.hpp"

namespace ar::layers_probe {

std::string forbidden_call() {
  return util::format_duration(std::chrono::milliseconds(1));
}

}  // namespace ar::layers_probe
