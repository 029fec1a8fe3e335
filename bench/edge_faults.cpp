// Requests through the edge while a node fails: three local managers, the tests' web app
// with one task on each, and wrk (8 connections each, a request slower than 1 s counted
// as timed out) against the edge proxies of the two nodes that stay up, while the third
// is killed (docker kill of its container), frozen (docker pause, thawed after 25 s) or
// cut off (disconnected from the environment's bridge, reconnected after 25 s). Prints
// for each fault the requests, the failed ones and those slower than 1 s; the app is
// deployed afresh before each, so that a task sits on the node that fails.
//
//   build/bench/edge_faults [SECONDS [FAULT]]   (default 40 s, every fault; FAULT: killed,
//                                              frozen or cut; root, a running dockerd, build/rsm)
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"
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

int measure(int seconds, const std::string& only) {
  engine::Client local(engine::Endpoint::from_environment());
  std::string web = ensure_web_image(local, "1");
  check(run_rsm({"nodes", "create", env, "-m", "3", "-q"}), "rsm nodes create");
  auto rows = json::parse(run_rsm({"nodes", "ls", env, "--json"}).output);
  std::vector<std::string> names, addresses;
  for (const auto& row : rows) {
    names.push_back(row["name"]);
    addresses.push_back(row["address"]);
  }
  std::string network = "rsm-" + env;
  const std::string& victim = names.at(2);

  struct Fault {
    std::string name;
    std::function<void()> start, end;
  };
  std::vector<Fault> faults{
      {"killed (docker kill)", [&] { local.post("/containers/" + victim + "/kill"); },
       [&] {
         check(run_rsm({"nodes", "start", env}), "rsm nodes start");
       }},
      {"frozen (docker pause), thawed after 25 s", [&] { local.post("/containers/" + victim + "/pause"); },
       [&] { local.post("/containers/" + victim + "/unpause"); }},
      {"cut off (bridge disconnected), back after 25 s",
       [&] {
         local.post("/networks/" + network + "/disconnect", json{{"Container", victim}, {"Force", true}});
       },
       [&] {
         local.post("/networks/" + network + "/connect",
                    json{{"Container", victim}, {"EndpointConfig", {{"IPAMConfig", {{"IPv4Address", addresses[2]}}}}}});
       }},
  };
  Load total;
  for (const auto& fault : faults) {
    if (!only.empty() && !fault.name.starts_with(only)) continue;
    run_rsm({"app", "rm", env, "web"});
    check(run_rsm({"app", "deploy", env, "web", web, "-r", "3", "-p", "8080", "-q"}), "rsm app deploy");
    std::vector<std::future<ProcessResult>> loads;
    for (int i = 0; i < 2; ++i)
      loads.push_back(std::async(std::launch::async, [&, i] {
        return run_process({"wrk", "-t1", "-c8", fmt::format("-d{}s", seconds), "--timeout", "1s",
                            fmt::format("http://{}:8080/", addresses[i])});
      }));
    std::this_thread::sleep_for(std::chrono::seconds(5));
    fault.start();
    bool killed = fault.name.starts_with("killed");
    if (!killed) {
      std::this_thread::sleep_for(std::chrono::seconds(25));
      fault.end();
    }
    Load load;
    for (auto& running : loads) {
      auto result = running.get();
      if (result.exit_code != 0) throw std::runtime_error("wrk failed: " + result.output);
      auto one = parse_wrk(result.output);
      load.requests += one.requests;
      load.failed += one.failed;
      load.slow += one.slow;
      load.refused += one.refused;
    }
    if (killed) fault.end();
    fmt::print("node {}: {} requests, {} failed ({} with an HTTP error), {} slower than 1 s\n", fault.name,
               load.requests, load.failed, load.refused, load.slow);
    total.requests += load.requests;
    total.failed += load.failed;
    total.slow += load.slow;
  }
  fmt::print("all faults: {} requests, {} failed, {} slower than 1 s\n", total.requests, total.failed, total.slow);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 40;
  int code = 1;
  try {
    code = measure(seconds, argc > 2 ? argv[2] : "");
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  run_rsm({"nodes", "rm", env, "-f"});
  return code;
}
