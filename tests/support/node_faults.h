// The single-node faults rsm must ride out, done to a local node (a container on this
// machine's engine): killed (docker kill, no goodbye to anyone), frozen (docker pause: no
// FIN, no RST, as a hung VM), or cut off (disconnected from the environment's bridge, as a
// network that drops its packets). The fault drills of the tests and benchmarks use them.
#pragma once

#include <string>
#include <vector>

#include "engine/client.h"

namespace rsm::testing {

enum class NodeFault { killed, frozen, cut };

inline const std::vector<NodeFault> kNodeFaults{NodeFault::killed, NodeFault::frozen, NodeFault::cut};

// "killed (docker kill)", "frozen (docker pause)", "cut off (bridge disconnected)".
std::string describe(NodeFault fault);
// "killed", "frozen" or "cut"; throws on anything else.
NodeFault parse_node_fault(const std::string& name);

class NodeFaults {
 public:
  // env: the environment whose bridge ("rsm-ENV") a cut node leaves.
  NodeFaults(engine::Client& local, std::string env) : local_(local), env_(std::move(env)) {}

  void start(NodeFault fault, const std::string& node);
  // Ends the fault: a killed node is started again (`rsm nodes start`), a frozen one
  // thawed, a cut one reconnected at its old address; then waits (90 s at most) until
  // every node is ready and the swarm has a leader.
  void end(NodeFault fault, const std::string& node);

 private:
  void wait_until_whole();

  engine::Client& local_;
  std::string env_;
  std::string cut_address_;  // the cut node's address on the bridge
};

}  // namespace rsm::testing
