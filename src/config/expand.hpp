#pragma once
// ${VAR} and ${VAR:-default} expansion inside YAML values.
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ar::config {

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct ExpandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Replaces ${NAME} with the variable's value and ${NAME:-fallback} with the value, or the fallback
// when the variable is unset or empty. "$$" is a literal "$"; a "$" not followed by "{" or "$" is
// kept as is. An unset variable without a fallback, or an unterminated "${", throws ExpandError
// naming the variable: a typo in a variable name must not silently become an empty setting.
std::string expand_variables(std::string_view text, const EnvLookup& env);

}  // namespace ar::config
