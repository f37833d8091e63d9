#pragma once
// The server's TLS: TLS 1.2 and 1.3 only, with a certificate chain and its key from PEM files.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace ar::server {

// Files of a certificate chain and its private key, PEM.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

// A context serving `files`. Throws std::runtime_error naming the file that cannot be loaded, or
// a key that is not the certificate's.
std::shared_ptr<boost::asio::ssl::context> server_tls_context(const TlsFiles& files);

}  // namespace ar::server
