#include "livekit/twirp_client.hpp"

#include <curl/curl.h>

#include <array>
#include <boost/json.hpp>
#include <vector>

#include "telemetry/service_metrics.hpp"

namespace ar::livekit {
namespace {

// Tokens for our own calls live briefly: a call never takes longer than this.
constexpr std::chrono::seconds kTokenTtl{600};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// A Twirp error answer is {"code": "...", "msg": "..."}; anything else is named by its status.
void read_error(TwirpReply& reply) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(reply.body, ec);
  if (!ec && value.is_object()) {
    const auto& object = value.get_object();
    const auto* code = object.if_contains("code");
    const auto* msg = object.if_contains("msg");
    if (code != nullptr && code->is_string() && !code->get_string().empty()) {
      reply.code = std::string(code->get_string());
      if (msg != nullptr && msg->is_string()) reply.message = std::string(msg->get_string());
      return;
    }
  }
  reply.code = "http_" + std::to_string(reply.http_status);
  reply.message = "the answer is not a Twirp error (is livekit_host the LiveKit server?)";
}

}  // namespace

TwirpReply reply_from_http(long status, std::string body) {
  TwirpReply reply;
  reply.http_status = status;
  reply.body = std::move(body);
  if (status != 200) read_error(reply);
  return reply;
}

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

struct TwirpClient::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string url;
  std::string request_body;
  std::string response_body;
  std::array<char, CURL_ERROR_SIZE> error{};
  std::string_view method;  // "StartRoomCompositeEgress", for metrics; points into url
  std::chrono::steady_clock::time_point queued_at;
  Callback done;

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

TwirpClient::TwirpClient(TwirpOptions options) : options_(std::move(options)) {
  static const CurlGlobal curl_global;
  multi_ = curl_multi_init();
  thread_ = std::thread([this] { run(); });
}

TwirpClient::~TwirpClient() {
  stop();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void TwirpClient::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable()) thread_.join();
}

void TwirpClient::call(std::string_view method, std::string json_body, VideoGrant grant,
                       Callback done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->url = options_.base_url + "/twirp/";
  transfer->url += method;
  const std::string_view url = transfer->url;
  transfer->method = url.substr(url.rfind('/') + 1);
  transfer->queued_at = std::chrono::steady_clock::now();
  transfer->request_body = std::move(json_body);
  transfer->done = std::move(done);
  const std::string token =
      mint_token(options_.api_key, options_.api_secret, grant, kTokenTtl, Clock::now());
  transfer->headers = curl_slist_append(nullptr, "Content-Type: application/json");
  transfer->headers =
      curl_slist_append(transfer->headers, ("Authorization: Bearer " + token).c_str());
  transfer->headers = curl_slist_append(transfer->headers, "Expect:");
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(transfer));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

std::size_t TwirpClient::outstanding() const {
  const std::lock_guard lock(mutex_);
  return queue_.size() + running_;
}

void TwirpClient::start_transfer(std::unique_ptr<Transfer> transfer) {
  CURL* easy = curl_easy_init();
  transfer->easy = easy;
  curl_easy_setopt(easy, CURLOPT_URL, transfer->url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->request_body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(transfer->request_body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->response_body);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error.data());
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.insecure_skip_verify) {  // explicit setting, warned about at every start
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // never carry the token to another host
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  curl_multi_add_handle(static_cast<CURLM*>(multi_), easy);
  active_.insert(transfer.release());  // owned through CURLOPT_PRIVATE until finish_transfer
}

void TwirpClient::finish_transfer(void* easy_handle, int curl_code) {
  CURL* easy = static_cast<CURL*>(easy_handle);
  Transfer* raw = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &raw);
  curl_multi_remove_handle(static_cast<CURLM*>(multi_), easy);
  active_.erase(raw);
  const std::unique_ptr<Transfer> transfer(raw);

  TwirpReply reply;
  const auto result = static_cast<CURLcode>(curl_code);
  if (result == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    reply = reply_from_http(status, std::move(transfer->response_body));
  } else {
    reply.code = result == CURLE_OPERATION_TIMEDOUT ? "deadline_exceeded" : "connection_error";
    reply.message =
        transfer->error[0] != '\0' ? transfer->error.data() : curl_easy_strerror(result);
  }
  metrics::api_call(
      transfer->method, reply.ok() ? std::string_view("ok") : reply.code,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - transfer->queued_at)
          .count());
  transfer->done(std::move(reply));
}

void TwirpClient::run() {
  auto* multi = static_cast<CURLM*>(multi_);
  for (;;) {
    std::vector<std::unique_ptr<Transfer>> to_start;
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) break;
      while (!queue_.empty() && running_ < options_.max_concurrent) {
        to_start.push_back(std::move(queue_.front()));
        queue_.pop_front();
        ++running_;
      }
    }
    for (auto& transfer : to_start) start_transfer(std::move(transfer));

    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    int messages_left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &messages_left)) {
      if (message->msg != CURLMSG_DONE) continue;
      finish_transfer(message->easy_handle, message->data.result);
      const std::lock_guard lock(mutex_);
      --running_;
    }
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  // Stopping: whatever still runs is abandoned and its callback never runs.
  for (Transfer* transfer : active_) {
    curl_multi_remove_handle(multi, transfer->easy);
    delete transfer;  // NOLINT(cppcoreguidelines-owning-memory): owned via CURLOPT_PRIVATE
  }
  active_.clear();
}

}  // namespace ar::livekit
