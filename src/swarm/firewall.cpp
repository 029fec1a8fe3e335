// The rules go in with one `iptables-restore --noflush` per node, which replaces both
// chains in one commit: never a moment with half of them. The jumps into them are added
// once and left in place.
#include "swarm/firewall.h"

#include <set>

#include <fmt/format.h>

#include "swarm/formation.h"
#include "swarm/labels.h"
#include "swarm/mesh.h"
#include "swarm/objects.h"
#include "util/error.h"
#include "util/parallel.h"

namespace rsm::swarm {

namespace {

constexpr const char* kInstallJumps = R"sh(
iptables -C INPUT -j RSM-INPUT 2>/dev/null || iptables -I INPUT 1 -j RSM-INPUT
iptables -N DOCKER-USER 2>/dev/null || true
iptables -C DOCKER-USER -j RSM-PUBLISHED 2>/dev/null || iptables -I DOCKER-USER 1 -j RSM-PUBLISHED
)sh";

constexpr const char* kRemoval = R"sh(
iptables -D INPUT -j RSM-INPUT 2>/dev/null || true
iptables -D DOCKER-USER -j RSM-PUBLISHED 2>/dev/null || true
for chain in RSM-INPUT RSM-PUBLISHED; do iptables -F $chain 2>/dev/null && iptables -X $chain; done
true
)sh";

}  // namespace

std::vector<int> edge_ports(engine::Client& manager, const std::string& env) {
  std::set<int> ports;
  for (const auto& service : list_services(manager, component_filters(env, "proxy")))
    for (const auto& port : service.spec["EndpointSpec"].value("Ports", json::array()))
      ports.insert(port.value("PublishedPort", 0));
  ports.erase(0);
  return {ports.begin(), ports.end()};
}

std::string firewall_rules(const MeshSources& mesh, const std::vector<int>& edge_ports) {
  std::string rules = "*filter\n:RSM-INPUT - [0:0]\n:RSM-PUBLISHED - [0:0]\n";
  rules += "-A RSM-INPUT -i lo -j RETURN\n";
  rules += fmt::format("-A RSM-INPUT -i {} -j RETURN\n", kMeshInterface);
  rules += "-A RSM-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n";
  if (mesh.members_behind_nat) {
    rules += fmt::format("-A RSM-INPUT -p udp --dport {} -j RETURN\n", kMeshPort);
  } else {
    for (const auto& address : mesh.member_public_addresses)
      rules += fmt::format("-A RSM-INPUT -s {} -p udp --dport {} -j RETURN\n", address, kMeshPort);
    rules += fmt::format("-A RSM-INPUT -p udp --dport {} -j DROP\n", kMeshPort);
  }
  rules += "-A RSM-INPUT -p tcp -m multiport --dports 2377,7946 -j DROP\n";
  rules += "-A RSM-INPUT -p udp -m multiport --dports 7946,4789 -j DROP\n";
  rules += "-A RSM-PUBLISHED -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n";
  for (int port : edge_ports)
    rules += fmt::format("-A RSM-PUBLISHED -p tcp -m conntrack --ctstate DNAT --ctorigdstport {} -j RETURN\n", port);
  rules += "-A RSM-PUBLISHED -m conntrack --ctstate DNAT -j DROP\n";
  return rules + "COMMIT\n";
}

void apply_firewall(Environment& env, Progress& progress) {
  auto nodes = env.nodes();
  std::vector<drivers::Node> guarded;
  MeshSources mesh;
  for (const auto& node : nodes) {
    if (!node.in_mesh) continue;
    if (node.on_this_machine()) {
      mesh.members_behind_nat = true;
      continue;
    }
    mesh.member_public_addresses.push_back(node.public_address);
    // Neighbours in a private network call from there (swarm/mesh.h).
    if (!node.private_address.empty()) mesh.member_public_addresses.push_back(node.private_address);
    if (node.running()) guarded.push_back(node);
  }
  if (guarded.empty()) return;
  // A swarm being formed has no manager yet, and no edge proxy either.
  std::vector<int> ports;
  if (auto manager = answering_manager(nodes)) {
    engine::Client client(manager->engine);
    ports = edge_ports(client, env.name());
  }
  env.protect(nodes, ports);
  std::string rules = firewall_rules(mesh, ports);
  std::string script = fmt::format("set -e\niptables-restore --noflush <<'RULES'\n{}RULES\n{}", rules, kInstallJumps);
  for_each_parallel(guarded, [&](const drivers::Node& node) { env.run_script(node, script, "set rsm's firewall"); });
  progress.step(env.name(),
                fmt::format("firewall set on {} node(s): swarm ports inside the mesh only", guarded.size()));
}

}  // namespace rsm::swarm

namespace rsm::swarm {

void remove_firewall(Environment& env, const drivers::Node& node) {
  if (node.on_this_machine() || !node.running()) return;
  env.run_script(node, kRemoval, "take rsm's firewall off");
}

}  // namespace rsm::swarm
