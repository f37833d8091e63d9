#pragma once
// A field of a JSON object the ledger wrote (the spill file, a JSON column), read leniently: a
// field missing or of another type reads as empty, 0 or false.
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace ar::ledger {

inline std::string text_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::int64_t number_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

inline bool flag_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace ar::ledger
