// Droplets booted as lab hosts: see droplet_machines.h.
#include "support/droplet_machines.h"

#include <stdexcept>

#include <yaml-cpp/yaml.h>

namespace rsm::testing {

DigitalOceanStandinOptions DropletMachines::options(DigitalOceanStandinOptions base) {
  base.start_machine = [this](const DropletMachine& droplet) { return start(droplet); };
  base.remove_machine = [this](const std::string& droplet) { remove(droplet); };
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

SshTestHost DropletMachines::machine(const std::string& droplet) {
  std::lock_guard lock(mutex_);
  return machines_.at(droplet);
}

size_t DropletMachines::running() {
  std::lock_guard lock(mutex_);
  return machines_.size();
}

}  // namespace rsm::testing
