#pragma once
// The one result type at run time (docs/errors.md): a value, or the reason there is none.
// Exceptions are for starting up; once the service runs, what can fail says so in its type.
#include <string>
#include <utility>
#include <variant>

namespace ar::util {

// Why there is no value: short, says what is wrong (and the fix where there is one), and is safe
// to send back to a client and to log.
struct Error {
  std::string reason;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // The value; only when ok().
  T& operator*() { return std::get<0>(state_); }
  const T& operator*() const { return std::get<0>(state_); }
  T* operator->() { return &std::get<0>(state_); }
  const T* operator->() const { return &std::get<0>(state_); }
  // The reason; only when !ok().
  const std::string& error() const { return std::get<1>(state_).reason; }

 private:
  std::variant<T, Error> state_;
};

// Done, or the reason it could not be: for work whose value goes elsewhere.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : failed_(true), reason_(std::move(error.reason)) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return reason_; }

 private:
  bool failed_ = false;
  std::string reason_;
};

}  // namespace ar::util
