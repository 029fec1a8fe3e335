// rsm-relay: runs in a container on a node, attached to a swarm network, and carries
// connections from unix sockets (in a folder the node shares with rsm) to names on that
// network: `rsm-relay /run/rsm/db-28015.sock=db:28015 ...`. The name is resolved for
// every connection, so it reaches whichever servers are alive then. Built fully static
// for a FROM scratch image.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tunnel/splice.h"  // first: it includes what Boost's asio forgets

namespace asio = boost::asio;
using asio::ip::tcp;
using stream = asio::local::stream_protocol;

namespace {

struct Route {
  std::string socket_path;
  std::string host;
  std::string port;
};

// Tries each address of the name in turn.
void connect_any(std::shared_ptr<stream::socket> client, std::shared_ptr<tcp::resolver> resolver, const Route& route,
                 asio::io_context& io) {
  resolver->async_resolve(
      route.host, route.port,
      [client, resolver, &io](boost::system::error_code error, tcp::resolver::results_type results) {
        if (error) return;  // the client sees its connection close
        auto server = std::make_shared<tcp::socket>(io);
        asio::async_connect(*server, results,
                            [client, server](boost::system::error_code connect_error, const tcp::endpoint&) {
                              if (!connect_error) rsm::tunnel::splice(client, server);
                            });
      });
}

void accept(stream::acceptor& acceptor, const Route& route, asio::io_context& io) {
  acceptor.async_accept([&acceptor, &route, &io](boost::system::error_code error, stream::socket client) {
    if (!error)
      connect_any(std::make_shared<stream::socket>(std::move(client)), std::make_shared<tcp::resolver>(io), route, io);
    accept(acceptor, route, io);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Route> routes;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto equals = arg.find('='), colon = arg.rfind(':');
    if (equals == std::string::npos || colon == std::string::npos || colon < equals) {
      std::fprintf(stderr, "usage: rsm-relay SOCKET=HOST:PORT...\n");
      return 2;
    }
    routes.push_back({arg.substr(0, equals), arg.substr(equals + 1, colon - equals - 1), arg.substr(colon + 1)});
  }
  if (routes.empty()) {
    std::fprintf(stderr, "usage: rsm-relay SOCKET=HOST:PORT...\n");
    return 2;
  }
  asio::io_context io;
  std::vector<std::unique_ptr<stream::acceptor>> acceptors;
  for (const auto& route : routes) {
    ::unlink(route.socket_path.c_str());  // left by an earlier relay
    acceptors.push_back(std::make_unique<stream::acceptor>(io, stream::endpoint(route.socket_path)));
    accept(*acceptors.back(), route, io);
  }
  // rsm waits for this line (through the node's engine, whatever the node's driver).
  std::printf("ready\n");
  std::fflush(stdout);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) { io.stop(); });
  io.run();
  for (const auto& route : routes) ::unlink(route.socket_path.c_str());
  return 0;
}
