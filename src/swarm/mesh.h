// The WireGuard mesh between an environment's machines that are not containers of this
// machine (ssh and cloud nodes): their swarm traffic (Raft, gossip, overlay VXLAN) runs
// inside it, encrypted and authenticated, whatever networks it crosses. Each machine has
// an interface rsm0 with its mesh address (its swarm address), a private key made on
// the machine that never leaves it, and every other member as a peer at its public
// address, UDP 51820. The kernel's WireGuard is used where it has one, Debian's
// wireguard-go otherwise; a systemd unit (rsm-mesh) brings it back after a reboot.
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

// The wg(8) peer sections of `self`'s configuration: every other member of the mesh.
struct MeshMember {
  std::string name;
  std::string public_key;
  std::string public_address;  // where its UDP 51820 is reached
  std::string mesh_address;
};
std::string mesh_peers(const std::vector<MeshMember>& members, const std::string& self);

// Brings up the mesh on every running machine that needs it and gives each the current
// members as peers; nothing to do for local nodes only.
void apply_mesh(Environment& env, Progress& progress);

// Takes the mesh off a machine that leaves (nothing where there is none).
void remove_mesh(Environment& env, const drivers::Node& node);

}  // namespace rsm::swarm
