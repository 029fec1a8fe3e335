// Requests and writes while a node fails: three local managers, an app with one task on
// each, and wrk (8 connections each, a request slower than 1 s counted as timed out)
// against the edge proxies of the two nodes that stay up, while the third is killed
// (docker kill of its container), frozen (docker pause, thawed after 25 s) or cut off
// (disconnected from the environment's bridge, reconnected after 25 s). The app is the
// tests' web app, or the sample app's /bar on the database: a real one with
// RSM_TEST_RETHINKDB_IMAGE (then the node that fails is the one holding the primary of a
// table a writer inserts into through another node, and the writes are measured too),
// else the tests' stand-in (which answers /bar and keeps no data). Prints for each fault
// the requests, the failed ones and those slower than 1 s, and with a real database the
// writes acknowledged, lost and the longest time without one. Each app is measured twice
// under each fault, each time on an environment of its own: the web app with the edge's
// default answer timeout (30 s) and with 500 ms; the sample app (500 ms) with each read on
// one server (HEDGED_READS=0, as before hedged reads), then as it ships. The app is deployed afresh
// before each fault, so that a task sits on the node that fails.
//
//   build/bench/edge_faults [SECONDS [FAULT [APP]]]   (default 40 s, every fault, web;
//     FAULT: killed, frozen, cut or all; APP: web or sample; RSM_BENCH_HEARTBEAT=S sets
//     the real database's heartbeat; root, a running dockerd, build/rsm)
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "support/db_connection.h"
#include "support/failover_writer.h"
#include "support/node_faults.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"
#include "util/poll.h"
#include "util/subprocess.h"

namespace {

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

void check(const ProcessResult& result, const std::string& what) {
  if (result.exit_code != 0) throw std::runtime_error(fmt::format("{} failed:\n{}", what, result.output));
}

struct Load {
  long requests = 0, failed = 0, slow = 0;
  long refused = 0;  // of the failed: answered with an HTTP error (the proxy's 503: no task to send to)
  void add(const Load& other) {
    requests += other.requests;
    failed += other.failed;
    slow += other.slow;
    refused += other.refused;
  }
};

// wrk's summary: "N requests in", "Socket errors: connect a, read b, write c, timeout d",
// "Non-2xx or 3xx responses: e".
Load parse_wrk(const std::string& output) {
  Load load;
  std::smatch match;
  if (std::regex_search(output, match, std::regex(R"((\d+) requests in)"))) load.requests = std::stol(match[1]);
  if (std::regex_search(output, match,
                        std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
    load.failed += std::stol(match[1]) + std::stol(match[2]) + std::stol(match[3]);
    load.slow = std::stol(match[4]);
  }
  if (std::regex_search(output, match, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) {
    load.refused = std::stol(match[1]);
    load.failed += load.refused;
  }
  return load;
}

const std::string env = fmt::format("bench-edge-{}", getpid());

// The app under load: its image, deploy arguments and the path wrk asks for.
struct App {
  std::string name, image, path;
  int port = 0;
  std::vector<std::string> deploy_flags;
};

App web_app(engine::Client& local) { return {"web", ensure_web_image(local, "1"), "/", 8080, {}}; }

// The sample app on the environment's database, which this makes first.
App sample_app(engine::Client& local, const std::string& real_image) {
  std::vector<std::string> create{"db", "create", env, "-q"};
  if (real_image.empty()) {
    create.insert(create.end(),
                  {"--image", ensure_standin_rethinkdb_image(local, RSM_TEST_SERVER_BINARY), "--no-wait"});
  } else {
    create.insert(create.end(), {"--image", real_image});
    if (const char* heartbeat = std::getenv("RSM_BENCH_HEARTBEAT"))
      create.insert(create.end(), {"--heartbeat", heartbeat});
  }
  check(run_rsm(create), "rsm db create");
  std::string image = "rsm-bench/rethinkswarmmode:1";
  check(run_rsm({"build", env, std::string(RSM_SOURCE_DIR) + "/samples/rethinkswarmmode", image, "-p", "9090", "-q"}),
        "rsm build");
  return {"rethinkswarmmode",
          image,
          "/bar",
          9090,
          {"--secret", "rsm-db-password", "--health-cmd", "/rethinkswarmmode healthcheck", "--timeout", "500ms"}};
}

// Waits (up to 2 min) until the real database is fully ready again.
void wait_for_database() {
  poll_until(
      seconds(120), seconds(1),
      [] {
        return "the database was not ready again after the fault:\n" + run_rsm({"db", "status", env}).output;
      },
      [] {
        return run_rsm({"db", "status", env, "--json"}).exit_code == 0;
      });
}

// One fault under load: wrk against the nodes that stay up, and the writer with a real
// database; prints and returns what the requests saw.
Load measure_fault(int seconds, NodeFault fault, const App& app, const std::string& real_image,
                   const std::vector<std::string>& names, std::map<std::string, std::string>& address_of,
                   NodeFaults& faults, const std::string& label) {
  std::string victim = real_image.empty() ? names.at(2) : make_failover_table(env, "drill", "writes");
  std::vector<std::string> survivors;
  for (const auto& name : names)
    if (name != victim) survivors.push_back(name);

  std::optional<FailoverWriter> writer;
  if (!real_image.empty()) writer.emplace(env, survivors[0], "drill", "writes");
  std::vector<std::future<ProcessResult>> loads;
  for (const auto& node : survivors)
    loads.push_back(std::async(
        std::launch::async, [seconds, url = fmt::format("http://{}:{}{}", address_of[node], app.port, app.path)] {
          return run_process({"wrk", "-t1", "-c8", fmt::format("-d{}s", seconds), "--timeout", "1s", url});
        }));
  std::this_thread::sleep_for(std::chrono::seconds(5));
  faults.start(fault, victim);
  bool killed = fault == NodeFault::killed;
  if (!killed) {
    std::this_thread::sleep_for(std::chrono::seconds(25));
    faults.end(fault, victim);
  }
  Load load;
  for (auto& running : loads) {
    auto result = running.get();
    if (result.exit_code != 0) throw std::runtime_error("wrk failed: " + result.output);
    load.add(parse_wrk(result.output));
  }
  std::string writes;
  if (writer) {
    auto written = writer->stop();
    writes =
        fmt::format("; writes: {} acknowledged, {} lost, {} given up, longest gap {} ms", written.acknowledged.size(),
                    writer->missing(written).size(), written.failed, written.longest_gap.count());
    writer.reset();
  }
  if (killed) faults.end(fault, victim);
  fmt::print("{}node {}: {} requests, {} failed ({} with an HTTP error), {} slower than 1 s{}\n", label,
             describe(fault), load.requests, load.failed, load.refused, load.slow, writes);
  if (!real_image.empty()) wait_for_database();
  return load;
}

int measure(int seconds, const std::string& only, const std::string& app_kind) {
  engine::Client local(engine::Endpoint::from_environment());
  std::string real_image = app_kind == "sample" ? real_rethinkdb_image() : "";
  fmt::print("app: {}; database: {}\n", app_kind == "sample" ? "rethinkswarmmode" : "web",
             app_kind != "sample" ? "none"
             : real_image.empty() ? "the tests' stand-in (no writes measured)"
                                  : real_image);
  // The web app with the edge's default answer timeout, then with a short one (a request
  // taken by a silent task waits that long, then goes to another task); the sample app
  // (with the short one, as the repository's rsm.yaml has it) with each read on one server
  // (as before hedged reads), then as it ships.
  std::vector<std::pair<std::string, std::vector<std::string>>> variants{
      {"answer timeout 30s: ", {"--timeout", "30s"}}, {"answer timeout 500ms: ", {"--timeout", "500ms"}}};
  if (app_kind == "sample")
    variants = {{"reads on one server: ", {"-e", "HEDGED_READS=0"}}, {"hedged reads: ", {"-e", "HEDGED_READS=1"}}};
  for (const auto& [label, flags] : variants) {
    // Each on an environment made afresh: a node back from a fault keeps the swarm busy for
    // a while, which the next variant would pay for.
    check(run_rsm({"nodes", "create", env, "-m", "3", "-q"}), "rsm nodes create");
    App app = app_kind == "sample" ? sample_app(local, real_image) : web_app(local);
    std::vector<std::string> names;
    std::map<std::string, std::string> address_of;
    for (const auto& row : json::parse(run_rsm({"nodes", "ls", env, "--json"}).output)) {
      names.push_back(row["name"]);
      address_of[row["name"]] = row["address"];
    }
    NodeFaults faults(local, env);
    Load total;
    for (NodeFault fault : kNodeFaults) {
      if (only != "all" && describe(fault).find(only) != 0) continue;
      run_rsm({"app", "rm", env, app.name});
      std::vector<std::string> deploy{
          "app", "deploy", env, app.name, app.image, "-r", "3", "-p", std::to_string(app.port), "-q"};
      deploy.insert(deploy.end(), app.deploy_flags.begin(), app.deploy_flags.end());
      deploy.insert(deploy.end(), flags.begin(), flags.end());
      check(run_rsm(deploy), "rsm app deploy");
      total.add(measure_fault(seconds, fault, app, real_image, names, address_of, faults, label));
    }
    fmt::print("{}all faults: {} requests, {} failed, {} slower than 1 s\n", label, total.requests, total.failed,
               total.slow);
    check(run_rsm({"nodes", "rm", env, "-f"}), "rsm nodes rm");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 40;
  std::string fault = argc > 2 ? argv[2] : "all";
  std::string app = argc > 3 ? argv[3] : "web";
  if (seconds < 35 || (app != "web" && app != "sample")) {
    fmt::print(stderr, "usage: edge_faults [SECONDS (35 or more) [killed|frozen|cut|all [web|sample]]]\n");
    return 2;
  }
  int code = 1;
  try {
    if (fault != "all") parse_node_fault(fault);
    code = measure(seconds, fault, app);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  run_rsm({"nodes", "rm", env, "-f"});
  return code;
}
