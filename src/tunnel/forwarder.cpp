// An Asio acceptor on 127.0.0.1 on its own thread; each connection is spliced to a new
// connection to the unix socket.
#include "tunnel/forwarder.h"

#include <fmt/format.h>

#include "tunnel/splice.h"
#include "util/error.h"

namespace rsm::tunnel {

namespace asio = boost::asio;
using asio::ip::tcp;
using stream = asio::local::stream_protocol;

struct Forwarder::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::string target;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code error, tcp::socket client) {
      if (error) return;  // closed: the forwarder is going away
      auto local = std::make_shared<tcp::socket>(std::move(client));
      auto remote = std::make_shared<stream::socket>(io);
      remote->async_connect(stream::endpoint(target), [local, remote](boost::system::error_code connect_error) {
        if (connect_error) return;  // the client sees its connection close
        splice(local, remote);
      });
      accept();
    });
  }
};

Forwarder::Forwarder(int port, std::string unix_socket) : impl_(std::make_unique<Impl>()) {
  impl_->target = std::move(unix_socket);
  try {
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port));
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
  } catch (const boost::system::system_error& e) {
    throw Error(
        fmt::format("cannot listen on 127.0.0.1:{}: {}; choose another port with --port", port, e.code().message()));
  }
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  thread_ = std::thread([this] { impl_->io.run(); });
}

Forwarder::~Forwarder() {
  impl_->io.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rsm::tunnel
