// The WireGuard mesh between an environment's machines that are not containers of this
// machine (ssh and cloud nodes), and this machine's local nodes when they share a swarm
// with such machines: their swarm traffic (Raft, gossip, overlay VXLAN) runs inside it,
// encrypted and authenticated, whatever networks it crosses. Each member has an interface
// rsm0 with its mesh address (its swarm address), a private key made on the member that
// never leaves it, and every other member as a peer at its public address, UDP 51820.
// Members in one private network (a cloud region's VPC) call each other at their private
// addresses: the traffic stays in the provider's network and is encrypted all the same.
// Local nodes sit behind this machine's NAT: the others have no address to call them at,
// so a local node calls them first and keeps the path open (PersistentKeepalive). The
// kernel's WireGuard is used where it has one, Debian's wireguard-go otherwise; a systemd
// unit (rsm-mesh), or a local node's entrypoint, brings it back after a restart.
//
// Swarm's own encrypted overlays are not used: they need the kernel's ESP with AES-GCM,
// which some kernels lack (the engine then drops the traffic silently), and ESP does not
// pass cloud firewalls that filter by TCP/UDP port. docs/design.md has the comparison.
#pragma once

#include <string>
#include <vector>

#include "drivers/node.h"
#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::swarm {

inline constexpr int kMeshPort = 51820;
inline constexpr const char* kMeshInterface = "rsm0";

// A machine's mesh address, from its role and index: 10.218.1.N for managers, 10.218.2.N
// for workers. Throws Error past 254 of a role.
std::string mesh_address(drivers::Role role, int index);

// The wg(8) peer sections of `self`'s configuration: every other member of the mesh,
// without an endpoint where `self` cannot call it (a member behind NAT, seen from outside),
// at its private address where both are in one private network.
struct MeshMember {
  std::string name;
  std::string public_key;
  std::string public_address;  // where its UDP 51820 is reached (by members behind the same NAT, for one behind NAT)
  std::string mesh_address;
  bool behind_nat = false;  // a local node: only the members on this machine can call it
  // Members of one private network ("digitalocean/nyc3": a region's VPC) call each other
  // at private_address; empty where the machine has none.
  std::string private_network;
  std::string private_address;
};
std::string mesh_peers(const std::vector<MeshMember>& members, const std::string& self);

// Brings up the mesh on every running member and gives each the current members as
// peers; nothing to do for local nodes outside the mesh.
void apply_mesh(Environment& env, Progress& progress);

// Takes the mesh off a machine that leaves (nothing where there is none).
void remove_mesh(Environment& env, const drivers::Node& node);

}  // namespace rsm::swarm
