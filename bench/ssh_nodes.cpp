// Times the ssh driver on machines made here (tests/support/ssh_hosts.h: systemd-booted
// hosts with sshd and an engine, in three routed "regions"): `rsm nodes create ENV -d ssh
// -m 3` of three hosts to a ready swarm (WireGuard mesh and firewall included), and the
// bash-script way the product grew from (`ssh HOST docker swarm init`, then `docker swarm
// join` on the others: no mesh, no firewall), in alternating rounds; then the adoption of
// a host without an engine (docker.io installed from its package mirror).
//
//   build/bench/ssh_nodes [RUNS]   (default 3; root, a running dockerd, build/rsm)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "support/ssh_hosts.h"
#include "support/state_folder.h"
#include "util/subprocess.h"

namespace {

using rsm::ProcessResult;
using rsm::run_process;
using rsm::testing::SshHostLab;
using rsm::testing::SshTestHost;

double seconds_of(const std::function<void()>& step) {
  auto start = std::chrono::steady_clock::now();
  step();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Throws, so that the lab's destructor removes every host even when a step fails.
void check(const ProcessResult& result, const std::string& what) {
  if (result.exit_code != 0) throw std::runtime_error(fmt::format("{} failed:\n{}", what, result.output));
}

}  // namespace

int measure(int runs);

int main(int argc, char** argv) {
  // rsm's record of the hosts it adopts goes to a state folder of the benchmark's own.
  rsm::testing::StateFolder state("rsm-bench-state");
  int code = 1;
  try {
    code = measure(argc > 1 ? std::atoi(argv[1]) : 3);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  return code;
}

int measure(int runs) {
  std::string rsm = std::getenv("RSM") ? std::getenv("RSM") : RSM_BINARY;
  setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);

  SshHostLab lab(fmt::format("rsm-bench-{}", getpid()), 3);
  std::vector<SshTestHost> hosts;
  for (int region = 0; region < 3; ++region) hosts.push_back(lab.add_host(region));
  SshTestHost bare = lab.add_host(0, false);
  auto ssh = [&](const SshTestHost& host, const std::string& command) {
    return run_process({"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                        "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-i", lab.key_file(),
                        "root@" + host.address, command});
  };
  std::string env = fmt::format("bench-{}", getpid());
  std::vector<std::string> create{rsm, "nodes",     "create",       env, "-d", "ssh", "-m",
                                  "3", "--ssh-key", lab.key_file(), "-q"};
  for (const auto& host : hosts) create.insert(create.end(), {"--host", "root@" + host.address});

  std::vector<double> ours, script, ratios;
  for (int run = 1; run <= runs; ++run) {
    double rsm_seconds = seconds_of([&] { check(run_process(create), "rsm nodes create"); });
    double rm_seconds = seconds_of([&] { check(run_process({rsm, "nodes", "rm", env, "-f"}), "rsm nodes rm"); });
    double script_seconds = seconds_of([&] {
      check(ssh(hosts[0], "docker swarm init --advertise-addr " + hosts[0].address), "swarm init");
      auto token = ssh(hosts[0], "docker swarm join-token -q manager");
      check(token, "join-token");
      token.output.erase(token.output.find_last_not_of("\n") + 1);
      for (size_t i = 1; i < hosts.size(); ++i)
        check(ssh(hosts[i], fmt::format("docker swarm join --token {} {}:2377", token.output, hosts[0].address)),
              "swarm join");
    });
    for (const auto& host : hosts) ssh(host, "docker swarm leave --force");
    ours.push_back(rsm_seconds);
    script.push_back(script_seconds);
    ratios.push_back(rsm_seconds / script_seconds);
    fmt::print(
        "run {}: rsm nodes create (3 ssh hosts, mesh, firewall, 3 ready) {:.2f} s, rm {:.2f} s; "
        "ssh + docker swarm init/join script {:.2f} s; ratio {:.2f}\n",
        run, rsm_seconds, rm_seconds, script_seconds, rsm_seconds / script_seconds);
  }
  fmt::print("median of {} runs: rsm {:.2f} s, script {:.2f} s, ratio rsm/script {:.2f}\n", runs, median(ours),
             median(script), median(ratios));

  double install = seconds_of([&] {
    check(run_process({rsm, "nodes", "create", env + "-bare", "-d", "ssh", "--host", "root@" + bare.address,
                       "--ssh-key", lab.key_file(), "-q"}),
          "rsm nodes create (install)");
  });
  run_process({rsm, "nodes", "rm", env + "-bare", "-f"});
  fmt::print("rsm nodes create of 1 host without an engine (docker.io, socat, WireGuard installed): {:.2f} s\n",
             install);
  return 0;
}
