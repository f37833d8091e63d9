#pragma once
// One table of names per enum of the vocabulary: the enum's values in order, each with the one
// name logs, metrics labels, the ledger's columns and the API use. An enum adds a value by adding
// a name here; what parses, prints or lists it follows.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ar::model {

template <typename Enum, std::size_t N>
struct NameTable {
  std::array<std::string_view, N> names;
  std::string_view fallback;  // the name of a value past the table (a newer LiveKit's)

  constexpr std::string_view name(Enum value) const {
    const auto index = static_cast<std::size_t>(value);
    return index < N ? names.at(index) : fallback;
  }

  constexpr std::optional<Enum> named(std::string_view text) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names.at(i) == text) return static_cast<Enum>(i);
    }
    return std::nullopt;
  }

  // "a, b or c": for messages that say what a setting or a parameter takes.
  std::string listed() const {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) out += i + 1 == N ? " or " : ", ";
      out += names.at(i);
    }
    return out;
  }
};

}  // namespace ar::model
