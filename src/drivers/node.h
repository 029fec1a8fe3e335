// A machine of an environment, as every driver describes it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/endpoint.h"

namespace rsm::drivers {

enum class Role { Manager, Worker };

// The folder on every node that rsm can reach from its own machine: the node's engine
// socket lives there, and so do the sockets of rsm's relay.
inline constexpr const char* kNodeSocketFolder = "/run/rsm";

std::string_view role_name(Role role);  // "manager", "worker"
std::optional<Role> parse_role(std::string_view name);

// "ENV-manager-N", "ENV-worker-N": the names every command shows (and the swarm node's
// rsm.node label). Local nodes also take it as their hostname; other machines keep theirs.
std::string node_name(std::string_view env, Role role, int index);
// The N of a name node_name made; 0 for any other name.
int node_index(std::string_view name);

struct Node;
// Managers first, then by index: the order every list of nodes has.
void sort_managers_first(std::vector<Node>& nodes);

// A machine to adopt, [USER@]HOST[:PORT], as an ssh endpoint; UsageError "invalid --host"
// for anything else (spaces, a path, a leading '-' that ssh would take for an option).
engine::Endpoint parse_host(const std::string& text);
// The same machine, however its login is spelled (user and default port aside).
bool same_host(const std::string& a, const std::string& b);

struct Node {
  std::string name;
  std::string env;
  std::string driver;
  Role role = Role::Worker;
  int index = 0;
  std::string state;  // the machine's own state as its driver sees it: running, exited, ...
  // Where the other nodes reach it: its swarm address. Drivers give the public address;
  // swarm::Environment puts the mesh address there for machines in the mesh (swarm/mesh.h).
  std::string address;
  std::string public_address;   // where this machine and the world reach it (published ports, the mesh's UDP port)
  std::string region;           // empty where the driver has none
  std::string size;             // a cloud machine's size (its price's slug); empty elsewhere
  std::string private_address;  // a cloud machine's address in its region's private network
  double price_monthly = 0;     // what a cloud machine costs a month, in US dollars; 0 elsewhere
  std::string machine_id;       // the cloud's id of the machine (a droplet's); empty elsewhere
  std::string host;             // how the driver reaches the machine ([USER@]HOST[:PORT] for ssh); empty for local
  engine::Endpoint engine;      // how rsm reaches the node's Docker engine
  // Its swarm traffic runs in the environment's WireGuard mesh (swarm/mesh.h): always for
  // machines elsewhere; for local nodes, those made to share a swarm with them.
  bool in_mesh = false;

  bool running() const { return state == "running"; }
  // A container of this machine's engine (the local driver), behind this machine's NAT:
  // no other machine reaches it first. Any other machine's traffic crosses networks rsm
  // does not own: it runs in the mesh, behind rsm's firewall.
  bool on_this_machine() const { return driver == "local"; }
};

}  // namespace rsm::drivers
