// Times the database across regions: three ssh hosts in three routed "regions" of the
// tests' lab, first side by side, then 40 ms apart (tc netem adds 20 ms to every packet
// each host sends): `rsm nodes create` to a ready swarm, `rsm db create` to a ready
// cluster, and, with a real RethinkDB (RSM_TEST_RETHINKDB_IMAGE), the latency of single
// writes a client sees through the relay (p50, p99 of 200 inserts, durability hard).
// Where the kernel has no netem it prints why and measures nothing.
//
//   build/bench/ssh_regions   (root, a running dockerd, build/rsm)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/client.h"
#include "reql/connection.h"
#include "support/db_connection.h"
#include "support/rsm_runner.h"
#include "support/ssh_hosts.h"
#include "support/state_folder.h"
#include "support/test_images.h"

namespace {

using namespace rsm;
using namespace rsm::testing;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void check(const ProcessResult& result, const std::string& what) {
  if (result.exit_code != 0) throw std::runtime_error(fmt::format("{} failed:\n{}", what, result.output));
}

struct Round {
  double create = 0, db = 0, p50_ms = 0, p99_ms = 0;
};

Round measure_round(SshHostLab& lab, const std::vector<SshTestHost>& hosts, const std::string& env,
                    const std::string& image, bool real) {
  Round round;
  std::vector<std::string> create{"nodes", "create", env, "-d", "ssh", "-m", "3", "--ssh-key", lab.key_file(), "-q"};
  for (const auto& host : hosts)
    create.insert(create.end(), {"--host", "root@" + host.address, "--region", host.region});
  auto start = Clock::now();
  check(run_rsm(create), "rsm nodes create");
  round.create = since(start);
  start = Clock::now();
  std::vector<std::string> db{"db", "create", env, "--image", image, "-q"};
  if (!real) db.push_back("--no-wait");
  check(run_rsm(db), "rsm db create");
  round.db = since(start);
  if (real) {
    auto connection = connect_to_db(env);
    connection.connection->run(reql::r.db_create("bench"));
    connection.connection->run(reql::r.db("bench").table_create("writes"));
    check(run_rsm({"db", "replicate", env}), "rsm db replicate");
    std::vector<double> latencies;
    for (int i = 0; i < 200; ++i) {
      auto sent = Clock::now();
      connection.connection->run(reql::r.db("bench").table("writes").insert(reql::r.document({{"id", i}})));
      latencies.push_back(since(sent) * 1000);
    }
    std::sort(latencies.begin(), latencies.end());
    round.p50_ms = latencies[latencies.size() / 2];
    round.p99_ms = latencies[latencies.size() * 99 / 100];
  }
  check(run_rsm({"nodes", "rm", env, "-f"}), "rsm nodes rm");
  return round;
}

int measure() {
  setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);
  SshHostLab lab(fmt::format("rsm-bench-{}", getpid()), 3);
  std::vector<SshTestHost> hosts;
  for (int region = 0; region < 3; ++region) hosts.push_back(lab.add_host(region));
  for (const auto& host : hosts)
    if (auto why_not = lab.delay(host, 0); !why_not.empty()) throw std::runtime_error(why_not);
  if (auto why_not = lab.delay(hosts[0], 20); !why_not.empty()) {
    fmt::print("skipped: {}; regions cannot be put 40 ms apart here\n", why_not);
    return 0;
  }
  lab.delay(hosts[0], 0);

  engine::Client local(engine::Endpoint::from_environment());
  std::string image = real_rethinkdb_image();
  bool real = !image.empty();
  if (!real) image = ensure_fake_rethinkdb_image(local);
  std::string env = fmt::format("bench-{}", getpid());
  Round near = measure_round(lab, hosts, env, image, real);
  for (const auto& host : hosts) lab.delay(host, 20);
  Round far = measure_round(lab, hosts, env, image, real);

  fmt::print("db image: {}\n", real ? image : image + " (a stand-in: no writes measured)");
  for (auto [name, round] : {std::pair{"side by side", near}, std::pair{"40 ms apart", far}}) {
    fmt::print("{:>13}: nodes create {:.2f} s, db create to ready {:.2f} s", name, round.create, round.db);
    if (real) fmt::print(", write p50 {:.1f} ms, p99 {:.1f} ms", round.p50_ms, round.p99_ms);
    fmt::print("\n");
  }
  fmt::print("ratio 40 ms apart / side by side: nodes create {:.2f}, db create {:.2f}\n", far.create / near.create,
             far.db / near.db);
  return 0;
}

}  // namespace

int main() {
  // rsm's record of the hosts it adopts goes to a state folder of the benchmark's own.
  rsm::testing::StateFolder state("rsm-bench-state");
  int code = 1;
  try {
    code = measure();
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  return code;
}
