// The environment's DigitalOcean cloud firewall, "rsm-ENV", attached to its droplets by
// the environment's tag, so a droplet made later is behind it from its first packet.
// From anywhere: ssh and the edge proxy's published ports. From the environment's
// droplets (by tag) and its machines elsewhere (by address): the WireGuard mesh's UDP
// port, inside which all swarm traffic runs (swarm/mesh.h), so the swarm's own ports are
// never opened. Cloud firewalls pass only TCP, UDP and ICMP; WireGuard is UDP. Outbound,
// everything (a cloud firewall with no outbound rule drops all outbound traffic).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "drivers/digitalocean/api.h"

namespace rsm::drivers::digitalocean {

struct FirewallPlan {
  std::vector<int> public_ports;             // the edge proxy's
  int mesh_port = 0;                         // UDP
  std::vector<std::string> other_addresses;  // the environment's machines that are not droplets
};

std::string firewall_name(std::string_view env);  // "rsm-ENV"

// The request body that makes (or replaces) the firewall.
json firewall_body(std::string_view env, const FirewallPlan& plan);

// Creates the firewall, or replaces its rules when they differ; true when it changed.
bool ensure_firewall(Api& api, std::string_view env, const FirewallPlan& plan);

// Deletes it; nothing when there is none.
void remove_firewall(Api& api, std::string_view env);

}  // namespace rsm::drivers::digitalocean
