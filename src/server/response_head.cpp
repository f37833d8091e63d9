#include "server/response_head.hpp"

#include <boost/beast/http/status.hpp>

namespace ar::server {

namespace http = boost::beast::http;

void append_head(std::string& out, const HttpResponse& answer, bool keep_alive) {
  out += "HTTP/1.1 ";
  out += std::to_string(answer.status);
  out += ' ';
  out += http::obsolete_reason(http::int_to_status(answer.status));
  out += "\r\nServer: auto-recorder\r\nContent-Type: ";
  out += answer.content_type;
  const auto header = [&out](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  };
  header("Allow", answer.allow);
  header("WWW-Authenticate", answer.www_authenticate);
  header("Retry-After", answer.retry_after);
  if (answer.confidential) {
    // The page has inline style (its <style> and bars' widths) and no script at all.
    header("Cache-Control", "no-store");
    header("X-Content-Type-Options", "nosniff");
    header("Content-Security-Policy",
           "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
           "base-uri 'none'; form-action 'none'");
    header("X-Frame-Options", "DENY");
    header("Referrer-Policy", "no-referrer");
  }
  out += "\r\nContent-Length: ";
  out += std::to_string(answer.body.size());
  if (!keep_alive) out += "\r\nConnection: close";
  out += "\r\n\r\n";
}

}  // namespace ar::server
