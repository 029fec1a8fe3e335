// The order of a node's removal: the swarm's checks, the database's servers, the swarm's
// steps. See node_removal.h.
#include "up/node_removal.h"

#include "db/cluster.h"
#include "swarm/node_departure.h"

namespace rsm::up {

NodeRemoval remove_nodes(swarm::Environment& env, const std::vector<std::string>& names, bool forget_unreachable,
                         Progress& progress) {
  auto leaving = swarm::leaving_nodes(env, names);
  NodeRemoval removal;
  removal.db_servers = db::Cluster(env, progress).retire(names);
  swarm::depart(env, leaving, forget_unreachable, progress);
  for (const auto& node : leaving) removal.nodes.push_back(node.name);
  return removal;
}

}  // namespace rsm::up
