// Hosts are started with the capability set rsm's local nodes use where --privileged is
// refused, tmpfs /run, and container=docker so that systemd knows where it runs.
#include "support/ssh_hosts.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "engine/exec.h"
#include "images/debian_image.h"
#include "support/test_images.h"
#include "util/error.h"
#include "util/poll.h"
#include "util/progress.h"

namespace rsm::testing {

namespace fs = std::filesystem;
using engine::json;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

std::string ensure_ssh_host_image(engine::Client& engine) {
  images::DebianImageRecipe recipe{
      .what = "test ssh host image",
      .repository = "rsm-test/ssh-host",
      .packages = {"systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "docker.io", "socat", "iproute2",
                   "iptables", "procps", "ca-certificates", "tcpdump", "netcat-openbsd", "wireguard-tools",
                   "wireguard-go"},
      .files = {{"/usr/local/bin/rsm-test-boot",
                 read_text(std::string(RSM_SOURCE_DIR) + "/tests/support/ssh_host/boot.sh"), 0755},
                {"/etc/docker/daemon.json", "{\"insecure-registries\": [\"10.215.0.0/16\"]}\n"}},
      .entrypoint = {"/usr/local/bin/rsm-test-boot"}};
  Progress quiet(true);
  return images::ensure_debian_image(engine, recipe, quiet);
}

SshHostLab::SshHostLab(const std::string& prefix, int regions)
    : prefix_(prefix), engine_(engine::Endpoint::from_environment()) {
  image_ = ensure_ssh_host_image(engine_);
  ensure_busybox_image(engine_);
  folder_ = (fs::temp_directory_path() / (prefix + "-keys")).string();
  fs::remove_all(folder_);
  fs::create_directories(folder_);
  key_file_ = folder_ + "/id_ed25519";
  if (run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key_file_}).exit_code != 0)
    throw Error("ssh-keygen failed");
  public_key_ = read_text(key_file_ + ".pub");
  while (!public_key_.empty() && public_key_.back() == '\n') public_key_.pop_back();

  for (int r = 0; r < regions; ++r) add_network(r);

  // The router: on every region network at .254, forwarding between them.
  std::string router = prefix + "-router";
  engine_.remove_if_present("/containers/" + router + "?force=1");
  json endpoints = json::object();
  endpoints[networks_[0]] = {{"IPAMConfig", {{"IPv4Address", subnets_[0] + ".254"}}}};
  engine_.post("/containers/create?name=" + router,
               {{"Image", kBusyboxImage},
                {"Cmd", {"sleep", "86400"}},
                {"Labels", {{"rsm.test", prefix}}},
                {"HostConfig", {{"NetworkMode", networks_[0]}, {"Sysctls", {{"net.ipv4.ip_forward", "1"}}}}},
                {"NetworkingConfig", {{"EndpointsConfig", endpoints}}}});
  containers_.push_back(router);
  for (size_t r = 1; r < networks_.size(); ++r)
    engine_.post(
        "/networks/" + networks_[r] + "/connect",
        {{"Container", router}, {"EndpointConfig", {{"IPAMConfig", {{"IPv4Address", subnets_[r] + ".254"}}}}}});
  engine_.post("/containers/" + router + "/start");
}

// A /24 per region from 10.215.0.0/16, the first that no network of the engine has.
void SshHostLab::add_network(int region) {
  std::string name = fmt::format("{}-region{}", prefix_, region);
  engine_.remove_if_present("/networks/" + name);
  for (int third = subnets_.empty() ? 0 : std::stoi(subnets_.back().substr(7)) + 1;; ++third) {
    if (third > 255) throw Error("no free /24 in 10.215.0.0/16 for the test regions");
    std::string base = fmt::format("10.215.{}", third);
    auto created = engine_.request(engine::Method::Post, "/networks/create",
                                   {.body = json{{"Name", name},
                                                 {"Driver", "bridge"},
                                                 {"Labels", {{"rsm.test", prefix_}}},
                                                 {"IPAM", {{"Config", {{{"Subnet", base + ".0/24"}}}}}}}});
    if (created.ok()) {
      networks_.push_back(name);
      subnets_.push_back(base);
      behind_nat_.push_back(false);
      return;
    }
  }
}

int SshHostLab::add_nat_region() {
  int region = static_cast<int>(networks_.size());
  add_network(region);
  behind_nat_.back() = true;
  // The NAT router: at .253 on region 0 (its public side), at .254 on its own network.
  std::string router = fmt::format("{}-nat{}", prefix_, region);
  engine_.remove_if_present("/containers/" + router + "?force=1");
  json endpoints = json::object();
  endpoints[networks_[0]] = {{"IPAMConfig", {{"IPv4Address", subnets_[0] + ".253"}}}};
  engine_.post(
      "/containers/create?name=" + router,
      {{"Image", image_},
       {"Entrypoint", {"sleep", "infinity"}},
       {"Labels", {{"rsm.test", prefix_}}},
       {"HostConfig",
        {{"NetworkMode", networks_[0]}, {"CapAdd", {"NET_ADMIN"}}, {"Sysctls", {{"net.ipv4.ip_forward", "1"}}}}},
       {"NetworkingConfig", {{"EndpointsConfig", endpoints}}}});
  containers_.push_back(router);
  engine_.post(
      "/networks/" + networks_[region] + "/connect",
      {{"Container", router}, {"EndpointConfig", {{"IPAMConfig", {{"IPv4Address", subnets_[region] + ".254"}}}}}});
  engine_.post("/containers/" + router + "/start");
  // Forwarded ssh connections come from the router's inside address too: this machine's
  // own address, bridged into the region's network, would be masqueraded by Docker's rule
  // for region 0 on the way, and the answers would miss the router.
  std::string script = fmt::format(
      "set -e; out=$(ip -o -4 addr show | awk '/{0}.253/ {{print $2}}'); "
      "in=$(ip -o -4 addr show | awk '/{1}.254/ {{print $2}}'); "
      "iptables -t nat -A POSTROUTING -s {1}.0/24 -o $out -j MASQUERADE; "
      "iptables -t nat -A POSTROUTING -o $in -p tcp --dport 22 -j MASQUERADE",
      subnets_[0], subnets_[region]);
  for (size_t r = 1; r < networks_.size(); ++r)
    if (!behind_nat_[r]) script += fmt::format("; ip route replace {}.0/24 via {}.254", subnets_[r], subnets_[0]);
  ProcessResult result;
  result.exit_code =
      engine::exec_in_container(engine_, router, {"sh", "-c", script},
                                [&](engine::StreamKind, std::string_view chunk) { result.output.append(chunk); });
  if (result.exit_code != 0) throw Error("cannot set up the NAT router: " + result.output);
  return region;
}

SshHostLab::~SshHostLab() {
  for (const auto& rule : forward_rules_) {
    std::vector<std::string> argv{"iptables", "-D", "DOCKER-USER"};
    argv.insert(argv.end(), rule.begin(), rule.end());
    run_process(argv);
  }
  for (const auto& container : containers_)
    engine_.request(engine::Method::Delete, "/containers/" + container + "?force=1&v=1", {.timeout_seconds = 60});
  for (const auto& volume : volumes_) engine_.request(engine::Method::Delete, "/volumes/" + volume + "?force=1");
  for (const auto& network : networks_) engine_.request(engine::Method::Delete, "/networks/" + network);
  fs::remove_all(folder_);
}

void SshHostLab::remove_host(const SshTestHost& host) {
  std::lock_guard lock(mutex_);
  engine_.request(engine::Method::Delete, "/containers/" + host.container + "?force=1&v=1", {.timeout_seconds = 60});
  engine_.request(engine::Method::Delete, "/volumes/" + host.container + "-docker?force=1");
  std::erase(containers_, host.container);
  std::erase(volumes_, host.container + "-docker");
}

SshTestHost SshHostLab::add_host(int region, bool with_engine, const SshHostSetup& setup) {
  std::unique_lock lock(mutex_);
  SshTestHost host;
  host.region = fmt::format("region{}", region);
  int number = hosts_made_++;
  host.container = fmt::format("{}-host{}", prefix_, number);
  host.address = fmt::format("{}.{}", subnets_.at(region), 10 + number);
  host.reached_at = host.address;
  std::string routes;
  if (behind_nat_.at(region)) {
    routes = fmt::format("default via {}.254", subnets_[region]);
  } else {
    for (size_t r = 0; r < subnets_.size(); ++r)
      if (static_cast<int>(r) != region && !behind_nat_[r])
        routes += fmt::format("{}.0/24 via {}.254;", subnets_[r], subnets_[region]);
  }

  std::string authorized = public_key_;
  for (const auto& key : setup.authorized_keys) authorized += "\n" + key;
  std::string volume = host.container + "-docker";
  engine_.remove_if_present("/containers/" + host.container + "?force=1&v=1");
  engine_.remove_if_present("/volumes/" + volume + "?force=1");
  engine_.post("/volumes/create", {{"Name", volume}, {"Labels", {{"rsm.test", prefix_}}}});
  volumes_.push_back(volume);
  json host_config{{"Mounts", {{{"Type", "volume"}, {"Source", volume}, {"Target", "/var/lib/docker"}}}},
                   {"Tmpfs", {{"/run", "rw,exec"}, {"/run/lock", "rw"}, {"/tmp", "rw,exec"}}},
                   {"NetworkMode", networks_.at(region)},
                   {"CapAdd", {"ALL"}},
                   {"CapDrop", {"SYS_RESOURCE"}},
                   {"SecurityOpt", {"seccomp=unconfined", "apparmor=unconfined"}},
                   {"MaskedPaths", json::array()},
                   {"ReadonlyPaths", json::array()},
                   {"DeviceCgroupRules", {"a *:* rwm"}},
                   {"CgroupnsMode", "private"}};
  engine_.post("/containers/create?name=" + host.container,
               {{"Image", image_},
                {"Hostname", host.container},
                {"Env",
                 {"container=docker", "RSM_TEST_AUTHORIZED_KEY=" + authorized, "RSM_TEST_HOST_KEY=" + setup.host_key,
                  "RSM_TEST_ROUTES=" + routes}},
                {"StopSignal", "SIGRTMIN+3"},
                {"Labels", {{"rsm.test", prefix_}}},
                {"HostConfig", host_config},
                {"NetworkingConfig",
                 {{"EndpointsConfig", {{networks_.at(region), {{"IPAMConfig", {{"IPv4Address", host.address}}}}}}}}}});
  containers_.push_back(host.container);
  engine_.post("/containers/" + host.container + "/start");
  lock.unlock();

  // Booted when sshd takes the key and (for hosts with an engine) docker answers.
  std::string check = with_engine ? "docker info >/dev/null 2>&1" : "true";
  std::string last;
  poll_until(
      seconds(90), milliseconds(250), [&] { return fmt::format("host {} did not boot: {}", host.container, last); },
      [&] {
        auto result = run_process({"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                                   "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=3",
                                   "-i", key_file_, "root@" + host.address, check});
        last = result.output;
        return result.exit_code == 0;
      });
  if (!with_engine) {
    auto purged = exec(host, {"sh", "-c",
                              "systemctl stop docker.socket docker.service containerd.service && "
                              "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq docker.io containerd runc socat "
                              "wireguard-tools wireguard-go "
                              ">/dev/null 2>&1 && ! command -v dockerd"});
    if (purged.exit_code != 0) throw Error("cannot remove docker.io from the test host: " + purged.output);
  }
  if (behind_nat_[region]) {
    // Its sshd at a port of the router's public address of its own, 2200 + the host's number.
    int port = 2200 + number;
    auto forwarded = exec({.container = fmt::format("{}-nat{}", prefix_, region)},
                          {"iptables", "-t", "nat", "-A", "PREROUTING", "-d", subnets_[0] + ".253", "-p", "tcp",
                           "--dport", std::to_string(port), "-j", "DNAT", "--to-destination", host.address + ":22"});
    if (forwarded.exit_code != 0) throw Error("cannot forward the test host's ssh port: " + forwarded.output);
    host.reached_at = fmt::format("{}.253:{}", subnets_[0], port);
  }
  return host;
}

std::string SshHostLab::add_registry(int region) {
  // On every region's network (at .200), so that its answers need no route back: a
  // FROM scratch image has no `ip` to add one.
  std::string name = prefix_ + "-registry";
  engine_.remove_if_present("/containers/" + name + "?force=1");
  json endpoints = json::object();
  endpoints[networks_.at(region)] = {{"IPAMConfig", {{"IPv4Address", subnets_.at(region) + ".200"}}}};
  engine_.post("/containers/create?name=" + name, {{"Image", ensure_registry_image(engine_)},
                                                   {"Labels", {{"rsm.test", prefix_}}},
                                                   {"HostConfig", {{"NetworkMode", networks_.at(region)}}},
                                                   {"NetworkingConfig", {{"EndpointsConfig", endpoints}}}});
  containers_.push_back(name);
  for (size_t r = 0; r < networks_.size(); ++r)
    if (static_cast<int>(r) != region)
      engine_.post(
          "/networks/" + networks_[r] + "/connect",
          {{"Container", name}, {"EndpointConfig", {{"IPAMConfig", {{"IPv4Address", subnets_[r] + ".200"}}}}}});
  engine_.post("/containers/" + name + "/start");
  return subnets_.at(region) + ".200:5000";
}

void SshHostLab::let_out_through_nat(const std::string& subnet) {
  // The regions, 10.215.0.0/16; the masquerade is Docker's own for every bridge network.
  std::vector<std::vector<std::string>> rules{
      {"-s", subnet, "-d", "10.215.0.0/16", "-j", "ACCEPT"},
      {"-s", "10.215.0.0/16", "-d", subnet, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"}};
  for (const auto& rule : rules) {
    std::vector<std::string> argv{"iptables", "-I", "DOCKER-USER"};
    argv.insert(argv.end(), rule.begin(), rule.end());
    auto result = run_process(argv);
    if (result.exit_code != 0) throw Error("cannot route the test's NAT: " + result.output);
    forward_rules_.push_back(rule);
  }
}

std::string SshHostLab::delay(const SshTestHost& host, int ms) {
  auto result =
      ms > 0
          ? exec(host, {"tc", "qdisc", "replace", "dev", "eth0", "root", "netem", "delay", std::to_string(ms) + "ms"})
          : exec(host, {"sh", "-c", "tc qdisc del dev eth0 root 2>/dev/null; true"});
  if (result.exit_code == 0) return "";
  while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
  return fmt::format("no tc netem on this kernel ({})", result.output);
}

engine::Endpoint SshHostLab::engine_of(const SshTestHost& host) const {
  auto endpoint = engine::Endpoint::parse("ssh://root@" + host.address);
  endpoint.ssh_options = {"-i", key_file_,       "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                          "-o", "LogLevel=ERROR"};
  return endpoint;
}

ProcessResult SshHostLab::exec(const SshTestHost& host, const std::vector<std::string>& argv) {
  std::lock_guard lock(mutex_);
  ProcessResult result;
  result.exit_code = engine::exec_in_container(
      engine_, host.container, argv, [&](engine::StreamKind, std::string_view chunk) { result.output.append(chunk); });
  return result;
}

}  // namespace rsm::testing
