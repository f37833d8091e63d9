#include "livekit/list_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <optional>
#include <string>

#include "livekit/protojson.hpp"

namespace ar::livekit {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// The fields of one item the readers want, whatever their naming (lowerCamelCase or proto).
struct Item {
  std::string egress_id;
  std::string room_id;
  std::string room_name;
  std::string name;  // a Room's
  std::string sid;   // a Room's
  std::string metadata;
  std::string error;
  std::optional<std::string> status_name;
  std::optional<std::int64_t> status_number;
  std::int64_t creation_time = 0;     // a Room's, in seconds
  std::int64_t creation_time_ms = 0;  // a Room's (livekit-server 1.8+)
  bool room_composite = false;        // a room_composite request object
  bool template_source = false;       // an egress (StartEgressRequest) request with a template
};

// SAX events of {"<list>": [ {item}, ... ], ...}. Depth counts open containers: the root object
// is 1, the list 2, an item 3, an object inside an item 4, one inside that 5.
class Handler {
 public:
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  Handler(std::string_view list, std::function<void(Item&&)> each)
      : list_(list), each_(std::move(each)) {}

  bool on_document_begin(error_code& /*ec*/) { return true; }
  bool on_document_end(error_code& /*ec*/) { return true; }

  bool on_object_begin(error_code& ec) {
    if (depth_ == 0) return open();
    if (depth_ == 1 && key_ == list_) return fail(ec);  // the list must be an array, or null
    if (in_list() && depth_ == 2) item_ = Item{};
    if (in_list() && depth_ == 3) {
      if (key_ == "roomComposite" || key_ == "room_composite") item_.room_composite = true;
      parent_ = key_;  // the item's field this object is
    }
    if (in_list() && depth_ == 4 && parent_ == "egress" && key_ == "template") {
      item_.template_source = true;
    }
    return open();
  }
  bool on_object_end(std::size_t /*n*/, error_code& /*ec*/) {
    if (in_list() && depth_ == 3) each_(std::move(item_));
    return close();
  }
  bool on_array_begin(error_code& ec) {
    if (depth_ == 0) return fail(ec);  // the answer must be an object
    return open();
  }
  bool on_array_end(std::size_t /*n*/, error_code& /*ec*/) { return close(); }

  bool on_key_part(json::string_view part, std::size_t /*n*/, error_code& /*ec*/) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t /*n*/, error_code& /*ec*/) {
    key_.append(part.data(), part.size());
    if (depth_ == 1) root_key_ = key_;
    return true;
  }
  bool on_string_part(json::string_view part, std::size_t /*n*/, error_code& /*ec*/) {
    if (wanted()) text_.append(part.data(), part.size());
    return true;
  }
  bool on_string(json::string_view part, std::size_t /*n*/, error_code& ec) {
    if (not_an_answer()) return fail(ec);
    if (wanted()) {
      text_.append(part.data(), part.size());
      store();
    }
    return value_done();
  }
  bool on_number_part(json::string_view /*part*/, error_code& /*ec*/) { return true; }
  bool on_int64(std::int64_t value, json::string_view /*text*/, error_code& ec) {
    if (not_an_answer()) return fail(ec);
    if (wanted()) {
      if (key_ == "status") item_.status_number = value;
      if (std::int64_t* time = time_field()) *time = value;
    }
    return value_done();
  }
  bool on_uint64(std::uint64_t /*value*/, json::string_view /*text*/, error_code& ec) {
    return scalar(ec);
  }
  bool on_double(double /*value*/, json::string_view /*text*/, error_code& ec) {
    return scalar(ec);
  }
  bool on_bool(bool /*value*/, error_code& ec) { return scalar(ec); }
  bool on_null(error_code& ec) { return scalar(ec, true); }
  bool on_comment_part(json::string_view /*part*/, error_code& /*ec*/) { return true; }
  bool on_comment(json::string_view /*part*/, error_code& /*ec*/) { return true; }

 private:
  bool in_list() const { return depth_ >= 2 && root_key_ == list_; }
  // A string field of the item itself that some reader uses.
  bool wanted() const { return in_list() && depth_ == 3; }

  void store() {
    std::string* field = nullptr;
    if (key_ == "egressId" || key_ == "egress_id") field = &item_.egress_id;
    if (key_ == "roomId" || key_ == "room_id") field = &item_.room_id;
    if (key_ == "roomName" || key_ == "room_name") field = &item_.room_name;
    if (key_ == "name") field = &item_.name;
    if (key_ == "sid") field = &item_.sid;
    if (key_ == "metadata") field = &item_.metadata;
    if (key_ == "error") field = &item_.error;
    if (key_ == "status") {
      item_.status_name = std::move(text_);
    } else if (std::int64_t* time = time_field()) {
      if (const auto number = protojson_int64(text_)) *time = *number;
    } else if (field != nullptr) {
      *field = std::move(text_);
    }
    text_.clear();
  }

  std::int64_t* time_field() {
    if (key_ == "creationTime" || key_ == "creation_time") return &item_.creation_time;
    if (key_ == "creationTimeMs" || key_ == "creation_time_ms") return &item_.creation_time_ms;
    return nullptr;
  }

  // A root that is not an object, a list that is a scalar, or an item that is not an object.
  // A null list is an empty one.
  bool not_an_answer(bool null = false) const {
    return depth_ == 0 || (depth_ == 1 && key_ == list_ && !null) || (depth_ == 2 && in_list());
  }
  bool scalar(error_code& ec, bool null = false) {
    if (not_an_answer(null)) return fail(ec);
    return value_done();
  }
  bool value_done() {
    key_.clear();
    return true;
  }
  bool open() {
    ++depth_;
    key_.clear();
    return true;
  }
  bool close() {
    --depth_;
    key_.clear();
    return true;
  }
  static bool fail(error_code& ec) {
    ec = json::error::syntax;  // not the reply this reader reads
    return false;
  }

  std::string list_;
  std::function<void(Item&&)> each_;
  int depth_ = 0;
  std::string root_key_;
  std::string key_;
  std::string parent_;
  std::string text_;
  Item item_;
};

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
  if (item.status_name) return status_named(*item.status_name);
  if (item.status_number) return status_numbered(*item.status_number);
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
    info.records_room = item.room_composite || item.template_source;
    each(std::move(info));
  });
}

}  // namespace ar::livekit
