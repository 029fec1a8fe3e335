// rsm's way into a swarm network from this machine: a small container (rsm-relay, a
// static binary in a FROM scratch image) on one node, attached to the network, makes a
// unix socket per route in the node's kNodeSocketFolder, and the node's driver says where
// this machine reaches those sockets. Nothing is published on any network interface.
#pragma once

#include <string>
#include <vector>

#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::tunnel {

struct Route {
  std::string host;  // a name on the network, e.g. "db"
  int port = 0;
};

// Starts the network's relay on the node, or reuses it when it already runs with these
// routes (a relay missing some is replaced by one with its routes and these); returns
// the path on this machine of each route's socket, in order.
std::vector<std::string> ensure_relay(swarm::Environment& env, const drivers::Node& node, const std::string& network,
                                      const std::vector<Route>& routes, Progress& progress);

// Removes the network's relays from the running nodes.
void remove_relays(const std::vector<drivers::Node>& nodes, const std::string& network);

}  // namespace rsm::tunnel
