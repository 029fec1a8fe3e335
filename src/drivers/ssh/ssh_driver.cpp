// Adoption of a host in steps that each check what is there first, so that a re-run
// continues where an interrupted one stopped: log in (pinning the host key), record the
// host, wait for cloud-init, install the engine when missing, check it through dial-stdio.
#include "drivers/ssh/ssh_driver.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "engine/client.h"
#include "util/error.h"
#include "util/line_splitter.h"

namespace rsm::drivers {

namespace {

// What a host is, asked as the login user: uid, sudo, system, the address it was reached at.
constexpr const char* kProbeScript = R"sh(
echo "uid=$(id -u)"
if [ "$(id -u)" != 0 ]; then
  if sudo -n true >/dev/null 2>&1; then echo sudo=yes; else echo sudo=no; fi
fi
if [ -r /etc/os-release ]; then . /etc/os-release; fi
echo "os=${ID:-unknown} ${ID_LIKE:-}"
echo "os_name=${PRETTY_NAME:-an unknown system}"
command -v dockerd >/dev/null 2>&1 && echo engine=installed
command -v socat >/dev/null 2>&1 && command -v wg >/dev/null 2>&1 && echo tools=installed
set -- ${SSH_CONNECTION:-}
echo "address=${3:-}"
)sh";

// Run as root. cloud-init and unattended upgrades hold the package lock on a fresh cloud
// machine: apt waits for it rather than failing. socat carries rsm's connections to the
// relay's sockets (see engine/ssh_dialer.h); WireGuard's tools (and wireguard-go where the
// kernel has no WireGuard) make the mesh the swarm runs in (see swarm/mesh.h).
constexpr const char* kBootstrapScript = R"sh(
set -eu
export DEBIAN_FRONTEND=noninteractive
if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi
need=""
command -v dockerd >/dev/null 2>&1 || need="docker.io"
command -v socat >/dev/null 2>&1 || need="$need socat"
command -v wg >/dev/null 2>&1 || need="$need wireguard-tools"
if ! command -v wireguard-go >/dev/null 2>&1; then
  if ip link add rsm-probe0 type wireguard 2>/dev/null; then ip link del rsm-probe0; else need="$need wireguard-go"; fi
fi
if [ -n "$need" ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  systemctl enable --now docker.service >/dev/null 2>&1 || service docker start >/dev/null 2>&1 || true
fi
i=0
until docker info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then echo "the Docker engine did not start: see journalctl -u docker there"; exit 1; fi
  sleep 1
done
mkdir -p /run/rsm
)sh";

// Run as root on removal: the swarm left, then what rsm's swarm and relays made there.
// Containers of the user's own (not swarm tasks, not labelled by rsm) stay.
constexpr const char* kCleanupScript = R"sh(
docker swarm leave --force >/dev/null 2>&1 || true
ids=$( (docker ps -aq --filter label=com.docker.swarm.task; docker ps -aq --filter "label=rsm.env=$RSM_ENV") | sort -u)
[ -z "$ids" ] || docker rm -f $ids >/dev/null
volumes=$(docker volume ls -q --filter "label=rsm.env=$RSM_ENV")
[ -z "$volumes" ] || docker volume rm -f $volumes >/dev/null
networks=$(docker network ls -q --filter "label=rsm.env=$RSM_ENV")
[ -z "$networks" ] || docker network rm $networks >/dev/null 2>&1 || true
rm -rf /run/rsm
)sh";

std::map<std::string, std::string> key_values(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (auto equals = line.find('='); equals != std::string::npos)
      values[line.substr(0, equals)] = line.substr(equals + 1);
  return values;
}

SshHost parse_target(const std::string& text) {
  auto parsed = parse_host(text);
  SshHost host;
  host.user = parsed.user;
  host.host = parsed.host;
  host.port = parsed.port;
  return host;
}

}  // namespace

engine::Endpoint SshDriver::ssh_endpoint(const std::string& env, const SshHost& host, bool first_contact) const {
  engine::Endpoint endpoint;
  endpoint.kind = engine::Endpoint::Kind::Ssh;
  endpoint.user = host.user;
  endpoint.host = host.host;
  endpoint.port = host.port;
  endpoint.sudo = host.sudo;
  // The first login pins the key (accept-new) unless it was pinned before the machine
  // existed; a changed key is refused then and later.
  endpoint.ssh_options = {
      "-o", "UserKnownHostsFile=" + inventory_.known_hosts(env).string(), "-o",
      first_contact && !host.pinned ? "StrictHostKeyChecking=accept-new" : "StrictHostKeyChecking=yes"};
  if (host.pinned) endpoint.ssh_options.insert(endpoint.ssh_options.end(), {"-o", "HostKeyAlias=" + host.name});
  if (!host.ssh_key.empty())
    endpoint.ssh_options.insert(endpoint.ssh_options.end(), {"-i", host.ssh_key, "-o", "IdentitiesOnly=yes"});
  return endpoint;
}

Node SshDriver::node_of(const std::string& env, const SshHost& host) const {
  Node node;
  node.name = host.name;
  node.env = env;
  node.driver = name_;
  node.role = host.role;
  node.index = host.index;
  node.state = "running";  // the driver does not power machines: they run unless someone stopped them
  node.address = node.public_address = host.address;
  node.region = host.region;
  node.size = host.size;
  node.host = host.target();
  node.engine = ssh_endpoint(env, host);
  node.in_mesh = true;
  return node;
}

std::vector<std::string> SshDriver::environments() { return inventory_.environments(); }

std::vector<SshHost> SshDriver::recorded(const std::string& env) {
  std::lock_guard lock(mutex_);
  return inventory_.load(env);
}

std::vector<Node> SshDriver::list(const std::string& env) {
  std::vector<Node> nodes;
  for (const auto& host : recorded(env)) nodes.push_back(node_of(env, host));
  sort_managers_first(nodes);
  return nodes;
}

void SshDriver::record(const std::string& env, const SshHost& host) {
  std::lock_guard lock(mutex_);
  auto hosts = inventory_.load(env);
  auto found = std::find_if(hosts.begin(), hosts.end(), [&](const SshHost& h) { return h.name == host.name; });
  if (found == hosts.end())
    hosts.push_back(host);
  else
    *found = host;
  inventory_.save(env, hosts);
}

void SshDriver::drop_record(const std::string& env, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto hosts = inventory_.load(env);
  std::erase_if(hosts, [&](const SshHost& h) { return h.name == name; });
  inventory_.save(env, hosts);
}

Node SshDriver::create(const std::string& env, const NodeRequest& request, Progress& progress) {
  if (request.host.empty()) throw UsageError("the ssh driver adopts machines you have: name each with --host");

  // A host this environment adopted already is finished, not adopted again.
  for (auto& host : recorded(env)) {
    if (!same_host(host.target(), request.host)) continue;
    // A key forgotten on purpose (the machine was reinstalled) is pinned again here.
    RemoteShell(ssh_endpoint(env, host, true)).checked_script("true", "logging in");
    if (!request.advertise.empty() && request.advertise != host.address) {
      host.address = request.advertise;  // a re-run that corrects the address
      record(env, host);
    }
    bootstrap(env, host, progress);
    return node_of(env, host);
  }
  for (const auto& other : inventory_.environments()) {
    if (other == env) continue;
    for (const auto& host : inventory_.load(other))
      if (same_host(host.target(), request.host))
        throw UsageError(fmt::format("{} is already node {} of environment {}: remove it there first", request.host,
                                     host.name, other));
  }

  SshHost host = adopt(env, request, progress);
  try {
    bootstrap(env, host, progress);
  } catch (const Error&) {  // a failed adoption leaves no record (Ctrl-C leaves one: rm finds it)
    drop_record(env, host.name);
    throw;
  }
  return node_of(env, host);
}

SshHost SshDriver::adopt(const std::string& env, const NodeRequest& request, Progress& progress) {
  SshHost host = parse_target(request.host);
  host.name = node_name(env, request.role, request.index);
  host.role = request.role;
  host.index = request.index;
  host.region = request.region;
  if (!request.ssh_key.empty()) {
    std::string path = request.ssh_key;
    if (const char* home = std::getenv("HOME"); home && path.starts_with("~/")) path = home + path.substr(1);
    std::error_code ec;
    auto absolute = std::filesystem::absolute(path, ec);
    if (ec || !std::filesystem::is_regular_file(absolute))
      throw UsageError(fmt::format("--ssh-key {}: no such file; give the private key's path", request.ssh_key));
    host.ssh_key = absolute.string();
  }

  progress.step(host.name, fmt::format("logging in to {}", request.host));
  std::filesystem::create_directories(inventory_.folder(env));
  RemoteShell first(ssh_endpoint(env, host, true));
  auto probe = first.script(kProbeScript, false);
  auto facts = key_values(probe.output);
  if (probe.exit_code != 0 || !facts.contains("uid"))
    throw Error(fmt::format("cannot run commands on {}: {}", request.host, last_line(probe.output)));
  host.sudo = facts["uid"] != "0";
  if (host.sudo && facts["sudo"] != "yes")
    throw Error(
        fmt::format("{} logs in as a user without passwordless sudo: log in as root, or allow it there with "
                    "`echo '{} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/rsm`",
                    request.host, host.user.empty() ? "USER" : host.user));
  bool debian_like = facts["os"].find("debian") != std::string::npos || facts["os"].find("ubuntu") != std::string::npos;
  if (!(facts.contains("engine") && facts.contains("tools")) && !debian_like)
    throw Error(
        fmt::format("{} runs {}: rsm installs software only on Debian and Ubuntu; install Docker Engine, "
                    "socat and wireguard-tools there and run again",
                    request.host, facts["os_name"]));
  host.address = request.advertise;
  if (host.address.empty()) {
    // A machine that knows itself by another address than the one ssh reached (a router
    // forwarding its ssh port, a cloud's 1:1 NAT) is reached by the others where rsm
    // reached it; through a jump host, it is in their private network.
    std::string dialed = first.dialed_address();
    host.address = dialed.empty() ? facts["address"] : dialed;
    if (!dialed.empty() && !facts["address"].empty() && dialed != facts["address"])
      progress.step(host.name, fmt::format("calls itself {} but is reached at {}: behind NAT; the others reach it "
                                           "there (--advertise to choose)",
                                           facts["address"], dialed));
  }
  if (host.address.empty())
    throw Error(fmt::format("cannot tell which address of {} the other nodes reach: give it with --advertise ADDRESS",
                            request.host));
  // Recorded before anything is installed, so that `rsm nodes rm` finds a host whose
  // adoption was interrupted.
  record(env, host);
  return host;
}

void SshDriver::bootstrap(const std::string& env, SshHost& host, Progress& progress) {
  RemoteShell shell(ssh_endpoint(env, host));
  if (!host.bootstrapped) {
    progress.step(host.name, "waiting for cloud-init and package locks; installing docker.io where missing");
    shell.checked_script(kBootstrapScript, "installing the Docker engine");
  }
  engine::Client engine(shell.endpoint());
  auto info = engine.get("/info");
  std::string swarm_state = info["Swarm"].value("LocalNodeState", "inactive");
  if (!host.bootstrapped && swarm_state != "inactive")
    throw Error(
        fmt::format("{} is already in a swarm ({}): it may belong to someone else; if not, make it leave with "
                    "`docker swarm leave --force` there and run again",
                    host.target(), swarm_state));
  if (!host.bootstrapped) {
    host.bootstrapped = true;
    record(env, host);
  }
  progress.step(host.name, fmt::format("engine {} ready on {}", info.value("ServerVersion", "?"), host.target()));
}

void SshDriver::start(Node& node, Progress& progress) {
  progress.step(node.name, "the ssh driver does not power machines; checking that its engine answers");
  for (auto& host : recorded(node.env))
    if (host.name == node.name) {
      RemoteShell(ssh_endpoint(node.env, host))
          .checked_script("docker info >/dev/null 2>&1 || systemctl start docker.service",
                          "starting the Docker engine");
      return;
    }
}

void SshDriver::stop(Node& node, Progress& progress) {
  progress.step(node.name,
                fmt::format("left running: the ssh driver does not power machines (power {} off yourself)", node.host));
}

bool SshDriver::remove(const Node& node, Progress& progress) {
  progress.step(node.name, fmt::format("leaving the swarm; removing what rsm made on {}", node.host));
  auto result = RemoteShell(node.engine).script("RSM_ENV=" + shell_quote(node.env) + "\n" + kCleanupScript);
  if (result.exit_code != 0) throw Error(fmt::format("cleaning up {} failed: {}", node.host, last_line(result.output)));
  {
    std::lock_guard lock(mutex_);
    std::erase_if(socket_dialers_, [&](const auto& entry) { return entry.first.starts_with(node.name + "/"); });
  }
  drop_record(node.env, node.name);
  return true;
}

bool SshDriver::forget(const Node& node) {
  drop_record(node.env, node.name);
  return true;
}

void SshDriver::remove_environment(const std::string& env) {
  std::lock_guard lock(mutex_);
  if (inventory_.load(env).empty()) inventory_.remove(env);
}

std::string SshDriver::node_socket(const Node& node, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& dialer = socket_dialers_[node.name + "/" + name];
  if (!dialer)
    dialer = std::make_unique<engine::SshDialer>(
        engine::SshDialer::socket_command(node.engine, std::string(kNodeSocketFolder) + "/" + name));
  return dialer->socket_path();
}

int SshDriver::run(const Node& node, const std::vector<std::string>& argv, const engine::OutputSink& output) {
  auto result = RemoteShell(node.engine).command(argv);
  output(engine::StreamKind::Stdout, result.output);
  return result.exit_code;
}

}  // namespace rsm::drivers
