// The whole sample system with a real RethinkDB image: `rsm up` of a file like the
// repository's rsm.yaml (3 managers, the cluster, the sample app built from this
// repository with 6 replicas behind the edge proxy). /bar through `rsm tunnel` prints the
// two lines of /bar, and with a node stopped /bar keeps answering through the edge proxy
// of the others. Then the faults rsm must ride out, each done to the node holding a table's
// primary replica while a writer inserts through another node and /bar is under steady
// load through the others: every acknowledged write is kept, and the test prints what
// users saw. RSM_TEST_RETHINKDB_IMAGE names the image; without it these tests skip, saying
// so.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "support/environment_fixture.h"
#include "support/failover_writer.h"
#include "support/http_client.h"
#include "support/node_faults.h"
#include "support/ports.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"
#include "util/poll.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

namespace {

const std::string kBarAnswer = "Hello, \"/bar\" 0.1\nHello from Rethink\n";

class AppReal : public EnvironmentTest {
 protected:
  void SetUp() override {
    const char* image = std::getenv("RSM_TEST_RETHINKDB_IMAGE");
    if (!image || !*image) GTEST_SKIP() << "no RethinkDB image to test with: set RSM_TEST_RETHINKDB_IMAGE";
    setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);
    env_ = unique_name("sample");
    remove_environment(env_);
    file_ = std::filesystem::temp_directory_path() / (env_ + ".yaml");
    std::ofstream(file_) << fmt::format(R"(env: {}
nodes: {{managers: 3}}
db: {{image: {}, replicas: 3}}
apps:
  - name: rethinkswarmmode
    image: rsm-test/rethinkswarmmode:real
    source: {}/samples/rethinkswarmmode
    replicas: 6
    ports: [9090]
    secrets: [rsm-db-password]
    health_cmd: /rethinkswarmmode healthcheck
)",
                                        env_, image, RSM_SOURCE_DIR);
  }
  void TearDown() override {
    if (file_.empty()) return;
    EnvironmentTest::TearDown();
    std::filesystem::remove(file_);
  }

  // Waits (up to 60 s) until url answers the two lines of /bar.
  static bool answers_bar(const std::string& url) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (http_get(url, 2000).body == kBarAnswer) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  }

  std::filesystem::path file_;
};

}  // namespace

TEST_F(AppReal, BarAnswersThroughTheTunnelAndWhileANodeIsDown) {
  auto up = run_rsm({"up", "-f", file_.string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;

  int local = free_port();
  auto served =
      fetch_through_rsm({"tunnel", env_, "9090", "-p", std::to_string(local)}, local, "Hello from Rethink", "/bar");
  EXPECT_EQ(served.page, kBarAnswer);

  auto listed = json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["running"], 6);
  std::vector<std::string> urls = listed[0]["urls"];
  ASSERT_EQ(urls.size(), 3u);
  for (const auto& url : urls) EXPECT_TRUE(answers_bar(url + "/bar")) << url;

  // The first manager goes (its database server, app tasks and proxy with it); the other
  // two nodes' proxies keep answering /bar, from the tasks that are left and then from
  // their replacements.
  std::string lost_address;
  for (const auto& row : json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output))
    if (row["name"] == node("manager", 1)) lost_address = row["address"];
  ASSERT_FALSE(lost_address.empty());
  set_node_running(node("manager", 1), false);
  std::vector<std::string> survivors;
  for (const auto& url : urls)
    if (url.find("//" + lost_address + ":") == std::string::npos) survivors.push_back(url + "/bar");
  ASSERT_EQ(survivors.size(), 2u);
  for (const auto& url : survivors) ASSERT_TRUE(answers_bar(url)) << url << " with a node down";
  SteadyLoad load(survivors);
  std::this_thread::sleep_for(std::chrono::seconds(20));
  auto result = load.stop();
  EXPECT_TRUE(result.failures.empty()) << result.failures.size() << " of " << result.requests
                                       << " requests failed with a node down, the first: " << result.failures.front();
  EXPECT_EQ(result.bodies[kBarAnswer], result.requests);
  set_node_running(node("manager", 1), true);
}

TEST_F(AppReal, NoFaultOfThePrimarysNodeLosesAnAcknowledgedWrite) {
  auto up = run_rsm({"up", "-f", file_.string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  std::map<std::string, std::string> address_of;
  for (const auto& row : json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output))
    address_of[row["name"]] = row["address"];
  engine::Client local(engine::Endpoint::from_environment());
  NodeFaults faults(local, env_);

  for (NodeFault fault : kNodeFaults) {
    SCOPED_TRACE(describe(fault));
    std::string victim = make_failover_table(env_, "drill", "writes");
    ASSERT_EQ(address_of.count(victim), 1u) << victim;
    std::vector<std::string> survivors, urls;
    for (const auto& [name, address] : address_of)
      if (name != victim) {
        survivors.push_back(name);
        urls.push_back(fmt::format("http://{}:9090/bar", address));
      }
    FailoverWriter writer(env_, survivors[0], "drill", "writes");
    SteadyLoad load(urls);
    std::this_thread::sleep_for(std::chrono::seconds(5));
    faults.start(fault, victim);
    std::this_thread::sleep_for(std::chrono::seconds(25));
    faults.end(fault, victim);
    std::this_thread::sleep_for(std::chrono::seconds(5));
    auto requests = load.stop();
    auto written = writer.stop();

    auto lost = writer.missing(written);
    EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged writes lost, the first: " << lost.front();
    EXPECT_FALSE(written.acknowledged.empty()) << written.first_failure;
    std::cout << fmt::format(
        "node {}: /bar {} requests, {} failed, {} slower than 1 s; writes {} acknowledged, {} given up, longest gap "
        "{} ms{}\n",
        describe(fault), requests.requests, requests.failures.size(), requests.slow, written.acknowledged.size(),
        written.failed, written.longest_gap.count(),
        requests.failures.empty() ? "" : "; the first failed request: " + requests.failures.front());

    bool ready = poll_for(seconds(120), seconds(1), [&] {
      return run_rsm({"db", "status", env_, "--json"}).exit_code == 0;
    });
    ASSERT_TRUE(ready) << "the database was not ready within 2 min of the fault's end: "
                       << run_rsm({"db", "status", env_}).output;
  }
}
