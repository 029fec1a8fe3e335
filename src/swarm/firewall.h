// The host firewall rsm keeps on every machine that is not a container of this machine
// (ssh and cloud nodes): its own iptables chains, rebuilt whole whenever the swarm's
// members or the edge proxy's ports change.
//
//   RSM-INPUT (first in INPUT): the swarm's ports (2377/tcp, 7946/tcp+udp, 4789/udp) answer
//     only inside the WireGuard mesh (swarm/mesh.h), whose port answers only the members'
//     public addresses: unencrypted swarm traffic from anywhere is dropped. Where members
//     sit behind NAT (this machine's local nodes), nobody knows the address they call
//     from, so the mesh's port takes UDP from anywhere: WireGuard answers nothing that
//     does not carry a member's key. Everything else (ssh, the user's own services) is
//     left to the rules that were there.
//   RSM-PUBLISHED (first in DOCKER-USER): connections to ports Docker publishes pass only
//     for the edge proxy's ports. Published ports bypass INPUT (and ufw), so this is where
//     a port some container publishes is closed.
//
// Database ports are never published: they are reachable only on the swarm's networks.
#pragma once

#include <string>
#include <vector>

#include "engine/client.h"
#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::swarm {

// The iptables-restore input of both chains (for a test to read, and for apply_firewall).
struct MeshSources {
  std::vector<std::string> member_public_addresses;
  bool members_behind_nat = false;
};
std::string firewall_rules(const MeshSources& mesh, const std::vector<int>& edge_ports);

// The edge proxy's host-mode ports, as its service publishes them (none without one).
std::vector<int> edge_ports(engine::Client& manager, const std::string& env);

// Rebuilds the chains on every running node that needs them, admitting every machine of
// the environment (also those about to join); nothing to do for local nodes only.
void apply_firewall(Environment& env, Progress& progress);

// Takes the chains off a node that leaves (nothing where there are none).
void remove_firewall(Environment& env, const drivers::Node& node);

}  // namespace rsm::swarm
