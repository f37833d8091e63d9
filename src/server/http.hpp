#pragma once
// The HTTP shapes routes work with, kept apart from Beast so routes stay plain functions.
#include <functional>
#include <string>
#include <string_view>

namespace ar::server {

struct HttpRequest {
  std::string_view method;
  std::string_view target;
  std::string_view authorization;
  std::string_view body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string_view allow;             // the Allow header of a 405
  std::string_view www_authenticate;  // the WWW-Authenticate header of a 401

  // A plain-text answer: the body and a newline.
  static HttpResponse text(unsigned status, std::string_view body) {
    HttpResponse answer;
    answer.status = status;
    answer.body.reserve(body.size() + 1);
    answer.body.append(body).push_back('\n');
    return answer;
  }
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace ar::server
