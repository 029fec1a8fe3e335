// A tunnel from this machine's loopback interface into a swarm network, kept open until
// the user stops it: what `rsm db admin` and `rsm tunnel` run.
#pragma once

#include <functional>
#include <string>

namespace rsm::tunnel {

// Listens on 127.0.0.1:port, carrying each connection to the unix socket, until SIGINT
// or SIGTERM; listening(port) is called once it listens.
void serve_until_interrupted(const std::string& unix_socket, int port, const std::function<void(int)>& listening);

}  // namespace rsm::tunnel
