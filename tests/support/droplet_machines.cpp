// Droplets booted as lab hosts: see droplet_machines.h.
#include "support/droplet_machines.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace rsm::testing {

DigitalOceanStandinOptions DropletMachines::options(DigitalOceanStandinOptions base) {
  base.start_machine = [this](const DropletMachine& droplet) { return start(droplet); };
  base.remove_machine = [this](const std::string& droplet) { remove(droplet); };
  base.power_machine = [this](const std::string& droplet, bool on) { power(droplet, on); };
  base.filter_machine = [this](const std::string& droplet, const nlohmann::json& inbound) { filter(droplet, inbound); };
  return base;
}

std::string DropletMachines::start(const DropletMachine& droplet) {
  SshHostSetup setup{.authorized_keys = droplet.authorized_keys};
  // cloud-init's ssh_keys: the one host key the droplet has.
  if (droplet.user_data.rfind("#cloud-config", 0) == 0) {
    YAML::Node config = YAML::Load(droplet.user_data);
    if (config["ssh_keys"] && config["ssh_keys"]["ed25519_private"])
      setup.host_key = config["ssh_keys"]["ed25519_private"].as<std::string>();
  }
  int region = 0;
  {
    std::lock_guard lock(mutex_);
    auto [at, added] = region_index_.try_emplace(droplet.region, static_cast<int>(region_index_.size()));
    region = at->second;
    if (region >= regions_)
      throw std::runtime_error("the lab has " + std::to_string(regions_) + " regions; " + droplet.region +
                               " is one more");
  }
  SshTestHost host = lab_.add_host(region, true, setup);
  std::lock_guard lock(mutex_);
  machines_[droplet.name] = host;
  return host.address;
}

void DropletMachines::remove(const std::string& droplet) {
  SshTestHost host;
  {
    std::lock_guard lock(mutex_);
    auto found = machines_.find(droplet);
    if (found == machines_.end()) return;
    host = found->second;
    machines_.erase(found);
  }
  lab_.remove_host(host);
}

void DropletMachines::power(const std::string& droplet, bool on) {
  std::string container;
  {
    std::lock_guard lock(mutex_);
    auto found = machines_.find(droplet);
    if (found == machines_.end()) return;
    container = found->second.container;
  }
  engine::Client engine(engine::Endpoint::from_environment());
  engine.request(engine::Method::Post, fmt::format("/containers/{}/{}", container, on ? "unpause" : "pause"));
}

void DropletMachines::filter(const std::string& droplet, const nlohmann::json& inbound) {
  SshTestHost host;
  {
    std::lock_guard lock(mutex_);
    auto found = machines_.find(droplet);
    if (found == machines_.end()) return;
    host = found->second;
  }
  constexpr const char* kChain = "RSM-CLOUD-FIREWALL";
  std::string script;
  if (inbound.is_null()) {
    script = fmt::format(
        "iptables -t mangle -D PREROUTING -i eth0 -j {0} 2>/dev/null; iptables -t mangle -F {0} 2>/dev/null; "
        "iptables -t mangle -X {0} 2>/dev/null; true",
        kChain);
  } else {
    std::string rules =
        fmt::format("*mangle\n:{0} - [0:0]\n-A {0} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n", kChain);
    for (const auto& rule : inbound) {
      std::string protocol = rule["protocol"], ports = rule["ports"];
      std::string match = fmt::format("-p {}", protocol);
      if (protocol != "icmp" && ports != "0" && ports != "all" && !ports.empty()) {
        std::replace(ports.begin(), ports.end(), '-', ':');
        match += " --dport " + ports;
      }
      for (const auto& address : rule["addresses"])
        if (address.get<std::string>().find(':') == std::string::npos)  // the lab is IPv4 only
          rules += fmt::format("-A {} -s {} {} -j RETURN\n", kChain, address.get<std::string>(), match);
    }
    rules += fmt::format("-A {} -j DROP\nCOMMIT\n", kChain);
    script = fmt::format(
        "set -e\niptables-restore --noflush <<'RULES'\n{1}RULES\n"
        "iptables -t mangle -C PREROUTING -i eth0 -j {0} 2>/dev/null || iptables -t mangle -I PREROUTING 1 -i eth0 -j "
        "{0}\n",
        kChain, rules);
  }
  auto result = lab_.exec(host, {"sh", "-c", script});
  if (result.exit_code != 0) throw std::runtime_error("iptables on " + host.container + ": " + result.output);
}

SshTestHost DropletMachines::machine(const std::string& droplet) {
  std::lock_guard lock(mutex_);
  return machines_.at(droplet);
}

size_t DropletMachines::running() {
  std::lock_guard lock(mutex_);
  return machines_.size();
}

}  // namespace rsm::testing
