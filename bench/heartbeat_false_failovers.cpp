// How short RethinkDB's heartbeat may be: false failovers under a CPU-saturated node.
// A shorter `heartbeat_timeout_secs` declares a frozen or cut-off server gone sooner (a
// frozen primary left writes waiting 15.6 s with the default 10 s), but a server that is
// only slow, its node's CPU taken by something else, must not be declared gone. Three
// local managers with a real RethinkDB image; for each heartbeat, the node holding a
// table's primary gets one CPU's quota (docker update --cpus 1) shared with 8 busy loops
// for SECONDS, while a writer inserts through another node. Prints, for each heartbeat,
// the times the table's primary moved (each a false failover: no server died) and the
// writer's longest gap, next to the same with no load.
//
//   RSM_TEST_RETHINKDB_IMAGE=rethinkdb:2.4.4-bookworm-slim build/bench/heartbeat_false_failovers [SECONDS [H...]]
//   (default 120 s, heartbeats 2 3 5 10; root, a running dockerd, build/rsm)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "reql/connection.h"
#include "support/db_connection.h"
#include "support/failover_writer.h"
#include "support/rsm_runner.h"
#include "util/subprocess.h"

namespace {

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;
using reql::r;

const std::string env = fmt::format("bench-heartbeat-{}", getpid());

void check(const ProcessResult& result, const std::string& what) {
  if (result.exit_code != 0) throw std::runtime_error(fmt::format("{} failed:\n{}", what, result.output));
}

struct Round {
  int primary_moves = 0;
  long writes = 0;
  std::chrono::milliseconds longest_gap{0};
};

// SECONDS of writing through `writer_node` while the primary's node is saturated (or not),
// watching the table's primary every 250 ms through `writer_node` too.
Round measure(engine::Client& local, int seconds, bool saturate, const std::string& primary,
              const std::string& writer_node) {
  if (saturate) {
    local.post("/containers/" + primary + "/update", json{{"NanoCpus", 1'000'000'000}});
    for (int i = 0; i < 8; ++i)
      check(run_process({"docker", "exec", "-d", primary, "timeout", std::to_string(seconds), "sh", "-c",
                         "while :; do :; done"}),
            "docker exec");
  }
  Round round;
  {
    FailoverWriter writer(env, writer_node, "drill", "writes");
    auto watcher = connect_to_db(env, writer_node);
    std::string seen = primary;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < until) {
      try {
        auto config = watcher.connection->run(r.db("drill").table("writes").config()).value();
        std::string now = config["shards"][0]["primary_replica"];
        std::replace(now.begin(), now.end(), '_', '-');
        if (now != seen) ++round.primary_moves;
        seen = now;
      } catch (const std::exception&) {  // a moment without an answer is no move
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    auto written = writer.stop();
    round.writes = static_cast<long>(written.acknowledged.size());
    round.longest_gap = written.longest_gap;
  }
  if (saturate) local.post("/containers/" + primary + "/update", json{{"NanoCpus", 0}});
  return round;
}

int run(int seconds, const std::vector<int>& heartbeats) {
  std::string image = real_rethinkdb_image();
  if (image.empty()) {
    fmt::print("skipped: no RethinkDB image here (set RSM_TEST_RETHINKDB_IMAGE); the stand-in has no heartbeat\n");
    return 0;
  }
  engine::Client local(engine::Endpoint::from_environment());
  check(run_rsm({"nodes", "create", env, "-m", "3", "-q"}), "rsm nodes create");
  fmt::print("{} s per round, the primary's node on one CPU with 8 busy loops\n", seconds);
  for (int heartbeat : heartbeats) {
    check(run_rsm({"db", "create", env, "--image", image, "--heartbeat", std::to_string(heartbeat), "-q"}),
          "rsm db create");
    std::string primary = make_failover_table(env, "drill", "writes");
    std::string writer_node = primary == env + "-manager-1" ? env + "-manager-2" : env + "-manager-1";
    Round calm = measure(local, seconds, false, primary, writer_node);
    primary = make_failover_table(env, "drill", "writes");
    writer_node = primary == env + "-manager-1" ? env + "-manager-2" : env + "-manager-1";
    Round saturated = measure(local, seconds, true, primary, writer_node);
    fmt::print(
        "heartbeat {} s: no load: {} primary moves, {} writes, longest gap {} ms; saturated: {} primary moves "
        "(false failovers), {} writes, longest gap {} ms\n",
        heartbeat, calm.primary_moves, calm.writes, calm.longest_gap.count(), saturated.primary_moves,
        saturated.writes, saturated.longest_gap.count());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 120;
  std::vector<int> heartbeats;
  for (int i = 2; i < argc; ++i) heartbeats.push_back(std::atoi(argv[i]));
  if (heartbeats.empty()) heartbeats = {2, 3, 5, 10};
  if (seconds < 10 || std::any_of(heartbeats.begin(), heartbeats.end(), [](int h) { return h < 2 || h > 60; })) {
    fmt::print(stderr, "usage: heartbeat_false_failovers [SECONDS (10 or more) [HEARTBEAT (2-60)...]]\n");
    return 2;
  }
  int code = 1;
  try {
    code = run(seconds, heartbeats);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  run_rsm({"nodes", "rm", env, "-f"});
  return code;
}
