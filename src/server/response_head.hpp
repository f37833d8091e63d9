#pragma once
// The status line and headers of an answer, as the connection writes them.
#include <string>

#include "server/http.hpp"

namespace ar::server {

// Appends `answer`'s status line and headers, through the empty line, to `out`: Content-Length
// is the body's (also for HEAD, whose body is then left out), and "Connection: close" unless the
// connection is kept alive.
void append_head(std::string& out, const HttpResponse& answer, bool keep_alive);

}  // namespace ar::server
