// HTTPS through the edge next to plain HTTP, in one run: the sample app (on the tests'
// stand-in database, answering /healthz: no database work, so the edge's own cost shows)
// behind a route with a certificate (--no-redirect, so plain HTTP answers too), on one
// local node; wrk asks the node's port 80 and 443 in alternating rounds, on kept-alive
// connections and with a new connection (and TLS handshake) for every request
// (`Connection: close`). Prints requests/s and p99 for each, and the median over the
// rounds of HTTPS's keep-alive throughput against plain HTTP's (the goal: the edge's TLS
// costs at most 25% of it).
//
//   build/bench/edge_https [SECONDS [ROUNDS]]   (default 10 s, 3 rounds; root, a running
//     dockerd, build/rsm, wrk: installed when missing)
#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "support/rsm_runner.h"
#include "support/temp_folder.h"
#include "support/test_certificates.h"
#include "support/test_images.h"
#include "util/subprocess.h"

namespace {

using namespace rsm;
using namespace rsm::testing;

const std::string env = "bench-https";
constexpr const char* kHost = "bench.test";

void check(const ProcessResult& result, const std::string& what) {
  if (result.exit_code != 0) throw std::runtime_error(fmt::format("{} failed:\n{}", what, result.output));
}

struct Rate {
  double requests_per_second = 0;
  std::string p99;
  long errors = 0;
};

// wrk --latency: "Requests/sec: N", " 99%  12.34ms", socket errors and non-2xx answers.
Rate run_wrk(const std::string& url, int seconds, bool new_connections) {
  std::vector<std::string> args{
      "wrk", "-t2", "-c32", fmt::format("-d{}s", seconds), "--latency", "-H", fmt::format("Host: {}", kHost)};
  if (new_connections) args.insert(args.end(), {"-H", "Connection: close"});
  args.push_back(url);
  auto result = run_process(args);
  if (result.exit_code != 0) throw std::runtime_error("wrk failed: " + result.output);
  Rate rate;
  std::smatch match;
  if (std::regex_search(result.output, match, std::regex(R"(Requests/sec:\s+([\d.]+))")))
    rate.requests_per_second = std::stod(match[1]);
  if (std::regex_search(result.output, match, std::regex(R"(\s99%\s+(\S+))"))) rate.p99 = match[1];
  if (std::regex_search(result.output, match, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+))")))
    rate.errors += std::stol(match[1]) + std::stol(match[2]) + std::stol(match[3]);
  if (std::regex_search(result.output, match, std::regex(R"(Non-2xx or 3xx responses: (\d+))")))
    rate.errors += std::stol(match[1]);
  return rate;
}

int measure(int seconds, int rounds) {
  if (run_process({"sh", "-c", "command -v wrk"}).exit_code != 0)
    check(run_process({"apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"}), "installing wrk");
  engine::Client local(engine::Endpoint::from_environment());
  check(run_rsm({"nodes", "create", env, "-m", "1", "-q"}), "rsm nodes create");
  check(run_rsm({"db", "create", env, "-q", "--image", ensure_standin_rethinkdb_image(local, RSM_TEST_SERVER_BINARY),
                 "--no-wait"}),
        "rsm db create");
  std::string image = "rsm-bench/rethinkswarmmode:1";
  check(run_rsm({"build", env, std::string(RSM_SOURCE_DIR) + "/samples/rethinkswarmmode", image, "-p", "9090", "-q"}),
        "rsm build");
  TestCa ca;
  auto pair = ca.issue({kHost});
  TempFolder files("rsm-bench-https");
  write_text_file((files / "site.pem").string(), pair.certificate);
  write_text_file((files / "site.key").string(), pair.key);
  check(run_rsm({"app", "deploy", env, "sample", image, "-r", "2", "--host", kHost, "--http-port", "9090", "--secret",
                 "rsm-db-password", "--tls-cert", (files / "site.pem").string(), "--tls-key",
                 (files / "site.key").string(), "--no-redirect", "-q"}),
        "rsm app deploy");
  auto nodes = nlohmann::json::parse(run_rsm({"nodes", "ls", env, "--json"}).output);
  std::string address = nodes.at(0).at("address");

  fmt::print("the sample app's /healthz through the edge of one local node, wrk -t2 -c32, {} s each\n", seconds);
  std::vector<double> keep_alive_ratios, new_connection_ratios;
  for (int round = 1; round <= rounds; ++round) {
    std::map<std::string, Rate> rates;
    for (bool new_connections : {false, true})
      for (const char* scheme : {"http", "https"})
        rates[fmt::format("{} {}", scheme, new_connections ? "new connections" : "keep-alive")] =
            run_wrk(fmt::format("{}://{}/healthz", scheme, address), seconds, new_connections);
    for (const auto& [what, rate] : rates)
      fmt::print("round {}: {:<26} {:>9.0f} requests/s, p99 {}{}\n", round, what, rate.requests_per_second, rate.p99,
                 rate.errors ? fmt::format(", {} errors", rate.errors) : "");
    keep_alive_ratios.push_back(rates["https keep-alive"].requests_per_second /
                                rates["http keep-alive"].requests_per_second);
    new_connection_ratios.push_back(rates["https new connections"].requests_per_second /
                                    rates["http new connections"].requests_per_second);
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  double keep_alive = median(keep_alive_ratios);
  fmt::print("HTTPS / HTTP, keep-alive: {:.2f} (TLS costs {:.0f}% of plain HTTP's throughput; goal: at most 25%)\n",
             keep_alive, (1 - keep_alive) * 100);
  fmt::print("HTTPS / HTTP, a new connection per request: {:.2f}\n", median(new_connection_ratios));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  if (seconds < 1 || rounds < 1) {
    fmt::print(stderr, "usage: edge_https [SECONDS [ROUNDS]]\n");
    return 2;
  }
  int code = 1;
  try {
    code = measure(seconds, rounds);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  run_rsm({"nodes", "rm", env, "-f"});
  return code;
}
