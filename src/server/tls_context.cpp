#include "server/tls_context.hpp"

#include <boost/beast/core/error.hpp>
#include <stdexcept>

namespace ar::server {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> server_tls_context(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::beast::error_code ec;
  context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    throw std::runtime_error("tls_cert_file " + files.cert_file + " cannot be loaded: " +
                             ec.message() + " (give a PEM certificate chain)");
  }
  context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("tls_key_file " + files.key_file + " cannot be loaded: " +
                             ec.message() + " (give the PEM private key of tls_cert_file)");
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    throw std::runtime_error("tls_key_file " + files.key_file +
                             " is not the private key of tls_cert_file " + files.cert_file);
  }
  return context;
}

}  // namespace ar::server
