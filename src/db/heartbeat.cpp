// The heartbeat a cluster gets by default: see heartbeat.h.
#include "db/heartbeat.h"

#include <set>
#include <string>

namespace rsm::db {

int default_heartbeat(const std::vector<drivers::Node>& nodes) {
  // A named region is a network of its own; without one, this machine's nodes share its
  // bridge, and the machines elsewhere are taken to share one network.
  std::set<std::string> networks;
  for (const auto& node : nodes)
    networks.insert(!node.region.empty()     ? "region " + node.region
                    : node.on_this_machine() ? std::string("this machine")
                                             : std::string("elsewhere"));
  return networks.size() <= 1 ? kOneNetworkHeartbeat : kAcrossNetworksHeartbeat;
}

}  // namespace rsm::db
