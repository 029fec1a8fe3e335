// A tunnel from this machine's loopback interface into a swarm network, kept open until
// the user stops it: what `rsm db admin` and `rsm tunnel` run.
#pragma once

#include <functional>
#include <string>

namespace rsm::tunnel {

// The seed's scheme: each environment gets its own offset (1, 2, ... in the order they
// were first tunnelled to, remembered in the state folder), and remote port P is reached
// at P + 100 * offset on this machine: dev's 9090 at 9190, tst's at 9290. 0 when that
// would not be a port.
int local_port(const std::string& env, int remote_port);

// Listens on 127.0.0.1:port, carrying each connection to the unix socket, until SIGINT
// or SIGTERM; listening(port) is called once it listens.
void serve_until_interrupted(const std::string& unix_socket, int port, const std::function<void(int)>& listening);

}  // namespace rsm::tunnel
