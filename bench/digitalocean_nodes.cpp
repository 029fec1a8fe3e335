// Times the digitalocean driver against the API stand-in (tests/support), whose droplets
// are machines of the ssh test lab: `rsm nodes create ENV -d digitalocean -m 1` and `-m 3`
// to a ready swarm, in alternating rounds, and the ratio of three droplets to one (made in
// parallel, three must not take three times one). Each time is split into the part spent
// waiting for the API and the machines (until the last droplet is active with its public
// address, as the stand-in says) and rsm's own part after that (ssh, bootstrap, mesh,
// firewall, swarm).
//
//   build/bench/digitalocean_nodes [RUNS]   (default 3; root, a running dockerd, build/rsm)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "support/digitalocean_standin.h"
#include "support/droplet_machines.h"
#include "support/ssh_hosts.h"
#include "support/state_folder.h"
#include "util/subprocess.h"

namespace {

using Clock = std::chrono::steady_clock;
using rsm::run_process;
using namespace rsm::testing;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool has_public_address(const nlohmann::json& droplet) {
  for (const auto& network : droplet["networks"]["v4"])
    if (network["type"] == "public") return true;
  return false;
}

struct Timing {
  double total = 0;     // the command, start to a ready swarm
  double machines = 0;  // until the last droplet was active with its public address
};

// Runs the create while watching the stand-in for the moment its droplets were all ready.
Timing timed_create(const std::string& rsm, DigitalOceanStandin& standin, const std::string& env, int count) {
  auto start = Clock::now();
  std::atomic<bool> done = false;
  double machines = 0;
  std::thread watcher([&] {
    while (!done) {
      auto droplets = standin.droplets();
      if (static_cast<int>(droplets.size()) == count &&
          std::all_of(droplets.begin(), droplets.end(),
                      [](const auto& d) { return d["status"] == "active" && has_public_address(d); })) {
        machines = std::chrono::duration<double>(Clock::now() - start).count();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto result = run_process(
      {rsm, "nodes", "create", env, "-d", "digitalocean", "-m", std::to_string(count), "--region", "nyc3", "-q"});
  double total = std::chrono::duration<double>(Clock::now() - start).count();
  done = true;
  watcher.join();
  if (result.exit_code != 0) throw std::runtime_error("rsm nodes create failed:\n" + result.output);
  return {total, machines};
}

void remove(const std::string& rsm, DigitalOceanStandin& standin, DropletMachines& machines, const std::string& env) {
  auto result = run_process({rsm, "nodes", "rm", env, "-f"});
  if (result.exit_code != 0) throw std::runtime_error("rsm nodes rm failed:\n" + result.output);
  // The next round starts without the last one's machines.
  for (int i = 0; i < 600 && machines.running() > 0; ++i) {
    standin.droplets();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int measure(int runs) {
  std::string rsm = std::getenv("RSM") ? std::getenv("RSM") : RSM_BINARY;
  setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);
  SshHostLab lab(fmt::format("rsm-bench-do-{}", getpid()), 1);
  DropletMachines machines(lab, 1);
  DigitalOceanStandin standin(machines.options());
  setenv("DIGITALOCEAN_API_URL", standin.url().c_str(), 1);
  setenv("DIGITALOCEAN_ACCESS_TOKEN", "rsm-test-token", 1);

  std::string env = fmt::format("bench-do-{}", getpid());
  std::vector<double> ones, threes, ratios;
  for (int run = 1; run <= runs; ++run) {
    Timing one = timed_create(rsm, standin, env, 1);
    remove(rsm, standin, machines, env);
    Timing three = timed_create(rsm, standin, env, 3);
    remove(rsm, standin, machines, env);
    ones.push_back(one.total);
    threes.push_back(three.total);
    ratios.push_back(three.total / one.total);
    fmt::print(
        "run {}: 1 droplet {:.2f} s (API and machine {:.2f} s, rsm's own {:.2f} s); 3 droplets {:.2f} s (API and "
        "machines {:.2f} s, rsm's own {:.2f} s); ratio 3/1 {:.2f}\n",
        run, one.total, one.machines, one.total - one.machines, three.total, three.machines,
        three.total - three.machines, three.total / one.total);
  }
  fmt::print("median of {} runs: 1 droplet {:.2f} s, 3 droplets {:.2f} s, ratio 3/1 {:.2f}\n", runs, median(ones),
             median(threes), median(ratios));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // rsm's records (login key, pinned host keys) go to a state folder of the benchmark's own.
  rsm::testing::StateFolder state("rsm-bench-state");
  int code = 1;
  try {
    code = measure(argc > 1 ? std::atoi(argv[1]) : 3);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  return code;
}
