// Forming a swarm out of machines whose engines answer: the first manager initialises it
// (advertising its address), the other managers join one at a time (each join changes
// the Raft membership), the workers join all at once. Every node is then labelled
// rsm.env / rsm.role / rsm.driver (and rsm.region) for placement constraints.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drivers/node.h"
#include "engine/client.h"
#include "swarm/objects.h"
#include "util/progress.h"

namespace rsm::swarm {

// Makes all the given running nodes members of one swarm; returns once the managers
// list every one of them as ready. Nodes already in it are left as they are.
void form_swarm(const std::vector<drivers::Node>& nodes, Progress& progress);

// Sets the node's rsm.* labels on its swarm entry where they differ: rsm.env, rsm.node
// (rsm's name for the machine, which placement pins by), rsm.role (as the swarm has it),
// rsm.driver and rsm.region.
void label_node(engine::Client& manager, const NodeView& entry, const drivers::Node& node);

// The first node that is a manager of an active swarm, if any answers: machines made as
// managers first, then promoted workers.
std::optional<drivers::Node> answering_manager(const std::vector<drivers::Node>& nodes);

}  // namespace rsm::swarm
