// The stand-in's droplets are real machines: one made through the API boots with the
// host key its user data presets (ssh checks it strictly: no trust on first use) and
// lets in the droplet's SSH key; deleted, its machine goes. What the digitalocean
// driver's tests stand on.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "drivers/digitalocean/api.h"
#include "drivers/digitalocean/cloud_init.h"
#include "drivers/digitalocean/key_pair.h"
#include "support/digitalocean_standin.h"
#include "support/droplet_machines.h"
#include "support/ssh_hosts.h"
#include "util/poll.h"
#include "util/subprocess.h"

using namespace rsm;
using namespace rsm::drivers::digitalocean;
using namespace rsm::testing;
using namespace std::chrono_literals;

TEST(DigitalOceanStandinMachines, ADropletBootsWithItsPresetHostKeyAndGoesWhenDeleted) {
  SshHostLab lab(fmt::format("rsm-do-{}", getpid()), 1);
  DropletMachines machines(lab, 1);
  DigitalOceanStandin standin(machines.options());
  Api api("rsm-test-token", standin.url(), {.first_pause = 10ms});

  std::string folder = fmt::format("/tmp/rsm-do-machines-{}", getpid());
  std::filesystem::create_directories(folder);
  std::string key_file = folder + "/id_ed25519";
  write_key_pair(key_file, "rsm-test");
  std::ifstream public_file(key_file + ".pub");
  std::string public_key;
  std::getline(public_file, public_key);
  std::string fingerprint =
      api.post("/v2/account/keys", {{"name", "rsm-test"}, {"public_key", public_key}})["ssh_key"]["fingerprint"];

  HostKey host_key = make_host_key();
  long id = api.post("/v2/droplets", {{"name", "machine-1"},
                                      {"region", "fra1"},
                                      {"size", "s-1vcpu-1gb"},
                                      {"image", "debian-12-x64"},
                                      {"ssh_keys", {fingerprint}},
                                      {"tags", {"rsm-test"}},
                                      {"user_data", user_data(host_key)}})["droplet"]["id"];
  std::string address;
  json networks;
  poll_until(
      120s, 250ms, [&] { return "the droplet got no public address: " + networks.dump(); },
      [&] {
        networks = api.get(fmt::format("/v2/droplets/{}", id))["droplet"]["networks"]["v4"];
        for (const auto& network : networks)
          if (network["type"] == "public") address = network["ip_address"];
        return !address.empty();
      });
  EXPECT_EQ(address, machines.machine("machine-1").address);

  std::string known_hosts = folder + "/known_hosts";
  std::ofstream(known_hosts) << address << " " << host_key.public_key << "\n";
  auto logged_in = run_process({"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o",
                                "UserKnownHostsFile=" + known_hosts, "-o", "IdentitiesOnly=yes", "-i", key_file,
                                "root@" + address, "docker info --format '{{.ServerVersion}}'"});
  EXPECT_EQ(logged_in.exit_code, 0) << logged_in.output;

  EXPECT_TRUE(api.remove(fmt::format("/v2/droplets/{}", id)));
  poll_until(
      60s, 250ms, [] { return std::string("the deleted droplet's machine stayed"); },
      [&] {
        standin.droplets();  // the stand-in lets a droplet go when it is read after its time
        return machines.running() == 0;
      });
  std::filesystem::remove_all(folder);
}
