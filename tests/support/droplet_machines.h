// The DigitalOcean stand-in's droplets as real machines: hosts of an SshHostLab (sshd and
// an engine), one lab region per DigitalOcean region in the order they are first asked
// for, each booted the way cloud-init boots a droplet: the host key of the user data's
// ssh_keys, and the droplet's SSH keys authorized for root. Wire it into the stand-in with
// options(): DigitalOceanStandin standin(machines.options());
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "engine/client.h"
#include "support/digitalocean_standin.h"
#include "support/ssh_hosts.h"

namespace rsm::testing {

class DropletMachines {
 public:
  // The lab's regions are all the regions droplets may be made in.
  explicit DropletMachines(SshHostLab& lab, int regions) : lab_(lab), regions_(regions) {}

  // The stand-in's options with start_machine and remove_machine going to the lab.
  DigitalOceanStandinOptions options(DigitalOceanStandinOptions base = {});

  // The machine of a droplet (by name), once it booted.
  SshTestHost machine(const std::string& droplet);
  size_t running();

 private:
  std::string start(const DropletMachine& droplet);
  void remove(const std::string& droplet);
  // Off is a frozen machine (its container paused): it answers nothing until it is on.
  void power(const std::string& droplet, bool on);
  // The cloud firewall as a packet filter on the machine's own interface, ahead of
  // everything the machine sets itself (a chain of the mangle table's PREROUTING).
  void filter(const std::string& droplet, const nlohmann::json& inbound);

  SshHostLab& lab_;
  int regions_;
  std::mutex mutex_;
  std::map<std::string, int> region_index_;  // DigitalOcean region -> lab region
  std::map<std::string, SshTestHost> machines_;
};

}  // namespace rsm::testing
