// Two rounds over the machines, each in parallel: the first makes sure each has its key,
// its mesh-up script and unit (and answers with its public key); the second hands each
// the peer list and runs mesh-up, which changes only what differs (`wg syncconf`), so a
// member joining never interrupts the others' traffic.
#include "swarm/mesh.h"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "util/error.h"
#include "util/line_splitter.h"
#include "util/parallel.h"

namespace rsm::swarm {

namespace {

// Run as root with RSM_MESH_ADDRESS set: prints the machine's public key last.
constexpr const char* kPrepare = R"sh(
set -eu
mkdir -p /etc/rsm
chmod 700 /etc/rsm
if [ ! -s /etc/rsm/wg.key ]; then (umask 077; wg genkey >/etc/rsm/wg.key); fi
echo "$RSM_MESH_ADDRESS" >/etc/rsm/mesh-address
touch /etc/rsm/wg-peers.conf
cat >/etc/rsm/mesh-up <<'SCRIPT'
#!/bin/sh
# Written by rsm: brings up rsm's WireGuard mesh (interface rsm0) with the peers in
# /etc/rsm/wg-peers.conf, changing only what differs.
set -eu
if ! ip link show rsm0 >/dev/null 2>&1; then
  ip link add rsm0 type wireguard 2>/dev/null || wireguard-go rsm0
fi
{ printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n' "$(cat /etc/rsm/wg.key)"; cat /etc/rsm/wg-peers.conf; } |
  wg syncconf rsm0 /dev/stdin
ip address replace "$(cat /etc/rsm/mesh-address)/16" dev rsm0
ip link set rsm0 mtu 1420 up
SCRIPT
chmod 700 /etc/rsm/mesh-up
if [ -d /run/systemd/system ]; then
  cat >/etc/systemd/system/rsm-mesh.service <<'UNIT'
[Unit]
Description=rsm's WireGuard mesh between the machines of its environment
After=network-online.target
Before=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/etc/rsm/mesh-up

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable rsm-mesh.service >/dev/null 2>&1
fi
wg pubkey </etc/rsm/wg.key
)sh";

// Run as root with the peers on stdin of the heredoc: the unit starts wireguard-go in its
// own cgroup (not the ssh session's); later changes run mesh-up directly.
constexpr const char* kApply = R"sh(
set -eu
if [ -d /run/systemd/system ] && ! systemctl is-active -q rsm-mesh.service; then
  systemctl start rsm-mesh.service
else
  /etc/rsm/mesh-up
fi
)sh";

// Run as root after kApply: waits (10 s at most) until WireGuard made a handshake with
// every peer (a peer with a keepalive and an endpoint is greeted at once; one behind NAT
// greets this machine), then names the peers without one: their addresses cannot be
// reached from here, or they cannot reach this machine.
constexpr const char* kCheckPeers = R"sh(
i=0
while :; do
  silent=$(wg show rsm0 latest-handshakes | awk '$2 == 0 { print $1 }')
  [ -z "$silent" ] && exit 0
  i=$((i + 1))
  [ "$i" -ge 40 ] && break
  sleep 0.25
done
echo "$silent"
exit 1
)sh";

constexpr const char* kRemoval = R"sh(
if [ -d /run/systemd/system ]; then
  systemctl disable --now rsm-mesh.service >/dev/null 2>&1 || true
  rm -f /etc/systemd/system/rsm-mesh.service
  systemctl daemon-reload
fi
ip link del rsm0 2>/dev/null || true
rm -rf /etc/rsm
true
)sh";

}  // namespace

std::string mesh_address(drivers::Role role, int index) {
  if (index < 1 || index > 254)
    throw Error(fmt::format("a mesh holds {}s 1 to 254; {} is out of range", drivers::role_name(role), index));
  return fmt::format("10.218.{}.{}", role == drivers::Role::Manager ? 1 : 2, index);
}

std::string mesh_peers(const std::vector<MeshMember>& members, const std::string& self) {
  std::string peers;
  auto me = std::find_if(members.begin(), members.end(), [&](const MeshMember& m) { return m.name == self; });
  bool self_behind_nat = me != members.end() && me->behind_nat;
  for (const auto& member : members) {
    if (member.name == self) continue;
    bool neighbours = me != members.end() && !me->private_network.empty() &&
                      me->private_network == member.private_network && !member.private_address.empty();
    std::string endpoint =
        member.behind_nat && !self_behind_nat
            ? ""
            : fmt::format("Endpoint = {}:{}\n", neighbours ? member.private_address : member.public_address, kMeshPort);
    peers += fmt::format("[Peer]\n# {}\nPublicKey = {}\n{}AllowedIPs = {}/32\nPersistentKeepalive = 25\n", member.name,
                         member.public_key, endpoint, member.mesh_address);
  }
  return peers;
}

void apply_mesh(Environment& env, Progress& progress) {
  std::vector<drivers::Node> meshed;
  for (const auto& node : env.nodes())
    if (node.in_mesh && node.running()) meshed.push_back(node);
  if (meshed.empty()) return;

  std::vector<MeshMember> members(meshed.size());
  for_each_parallel(meshed, [&](const drivers::Node& node) {
    size_t i = &node - meshed.data();
    std::string key = last_line(env.run_script(node, fmt::format("RSM_MESH_ADDRESS={}\n{}", node.address, kPrepare),
                                               "prepare the WireGuard mesh"));
    if (key.size() != 44) throw Error(fmt::format("{} gave no WireGuard public key: {}", node.name, key));
    members[i] = {.name = node.name,
                  .public_key = key,
                  .public_address = node.public_address,
                  .mesh_address = node.address,
                  .behind_nat = node.on_this_machine(),
                  .private_network = node.private_address.empty() ? "" : node.driver + "/" + node.region,
                  .private_address = node.private_address};
  });
  for_each_parallel(meshed, [&](const drivers::Node& node) {
    std::string script =
        fmt::format("cat >/etc/rsm/wg-peers.conf <<'PEERS'\n{}PEERS\n{}", mesh_peers(members, node.name), kApply);
    env.run_script(node, script, "bring up the WireGuard mesh");
  });
  // Before anything joins: every pair of machines must reach each other.
  for_each_parallel(meshed, [&](const drivers::Node& node) {
    std::string output;
    if (env.run_on(node, {"sh", "-c", kCheckPeers}, output) == 0) return;
    std::string silent;
    for (const auto& member : members)
      if (output.find(member.public_key) != std::string::npos)
        silent +=
            fmt::format("{}{} ({}:{})", silent.empty() ? "" : ", ", member.name, member.public_address, kMeshPort);
    throw Error(
        fmt::format("{} and {} do not reach each other over UDP {}: open that port between the machines, or "
                    "give each an address the others reach with --advertise",
                    node.name, silent.empty() ? last_line(output) : silent, kMeshPort));
  });
  progress.step(env.name(), fmt::format("WireGuard mesh up between {} node(s)", meshed.size()));
}

void remove_mesh(Environment& env, const drivers::Node& node) {
  // A local node goes with its container, and its mesh with it.
  if (node.on_this_machine() || !node.running()) return;
  env.run_script(node, kRemoval, "take rsm's mesh off");
}

}  // namespace rsm::swarm
