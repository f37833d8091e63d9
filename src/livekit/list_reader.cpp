#include "livekit/list_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <optional>
#include <string>

#include "livekit/list_handler.hpp"
#include "livekit/protojson.hpp"

namespace ar::livekit {
namespace {

using list_detail::error_code;
using list_detail::Handler;
using list_detail::Item;
namespace json = boost::json;

// A ReplyReader over the handler: the body's chunks as they arrive.
class ListReader final : public ReplyReader {
 public:
  ListReader(std::string_view list, std::function<void(Item&&)> each)
      : parser_(json::parse_options{}, list, std::move(each)) {}

  bool write(std::string_view chunk) override {
    if (failed_) return false;
    error_code ec;
    parser_.write_some(true, chunk.data(), chunk.size(), ec);
    failed_ = static_cast<bool>(ec);
    return !failed_;
  }
  bool finish() override {
    if (failed_) return false;
    error_code ec;
    parser_.write_some(false, nullptr, 0, ec);
    return !ec && parser_.done();
  }

 private:
  json::basic_parser<Handler> parser_;
  bool failed_ = false;
};

EgressStatus status_of(const Item& item) {
  if (item.status_name) return model::egress_status_named(*item.status_name);
  if (item.status_number) return model::egress_status_numbered(*item.status_number);
  return EgressStatus::kStarting;  // the zero value, left out by protobuf JSON
}

}  // namespace

std::unique_ptr<ReplyReader> room_list_reader(std::function<void(Room&&)> each) {
  return std::make_unique<ListReader>("rooms", [each = std::move(each)](Item&& item) {
    if (item.name.empty()) return;
    each(Room{std::move(item.sid), std::move(item.name), std::move(item.metadata),
              room_created_ms(item.creation_time_ms, item.creation_time)});
  });
}

namespace {

template <typename T>
std::optional<std::vector<T>> parse_whole(
    std::string_view text, std::unique_ptr<ReplyReader> (*make)(std::function<void(T&&)>)) {
  std::vector<T> items;
  const auto reader = make([&items](T&& item) { items.push_back(std::move(item)); });
  if (!reader->write(text) || !reader->finish()) return std::nullopt;
  return items;
}

}  // namespace

std::optional<std::vector<Room>> parse_room_list(std::string_view text) {
  return parse_whole<Room>(text, room_list_reader);
}

std::optional<std::vector<EgressInfo>> parse_egress_list(std::string_view text) {
  return parse_whole<EgressInfo>(text, egress_list_reader);
}

std::unique_ptr<ReplyReader> egress_list_reader(std::function<void(EgressInfo&&)> each) {
  return std::make_unique<ListReader>("items", [each = std::move(each)](Item&& item) {
    if (item.egress_id.empty()) return;
    EgressInfo info;
    info.status = status_of(item);
    info.egress_id = std::move(item.egress_id);
    info.room_id = std::move(item.room_id);
    info.room_name = std::move(item.room_name);
    info.error = std::move(item.error);
    info.error_code = item.error_code;
    info.kind = item.kind;
    info.writes_files = item.writes_files;
    info.subject = std::move(item.subject);
    info.results = std::move(item.results);
    fail_if_empty(info);
    each(std::move(info));
  });
}

}  // namespace ar::livekit
