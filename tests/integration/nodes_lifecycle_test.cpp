// `rsm nodes` end to end on the real engine: one environment of local nodes goes through
// its whole life, and each step is checked through the engines themselves. The tests of
// this suite run in order and share the environment; it is removed at the end whatever
// happened.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "engine/exec.h"
#include "engine/image_transfer.h"
#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;
using engine::json;

namespace {

std::string env_name() {
  static std::string name = unique_name("it");
  return name;
}

std::string node(const std::string& role, int index) { return fmt::format("{}-{}-{}", env_name(), role, index); }

json swarm_nodes() { return engine::Client(node_engine(env_name(), node("manager", 1))).get("/nodes"); }

// Polls until check() holds, for up to `seconds`.
template <class Check>
bool eventually(Check check, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return check();
}

std::set<std::string> ready_hostnames() {
  std::set<std::string> ready;
  for (const auto& entry : swarm_nodes())
    if (entry["Status"]["State"] == "ready") ready.insert(entry["Description"]["Hostname"].get<std::string>());
  return ready;
}

class NodesLifecycle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { remove_environment(env_name()); }
  static void TearDownTestSuite() {
    remove_environment(env_name());
    engine::Client host(engine::Endpoint::from_environment());
    auto left = leftovers(host, env_name());
    EXPECT_TRUE(left.empty()) << fmt::format("{}", left.size())
                              << " things left, first: " << (left.empty() ? "" : left[0]);
  }
  // Each step builds on the one before: after a failure the rest would only fail again.
  void SetUp() override {
    if (broken_) GTEST_SKIP() << "an earlier step of the lifecycle failed";
  }
  void TearDown() override { broken_ = broken_ || HasFailure(); }
  static inline bool broken_ = false;
};

}  // namespace

TEST_F(NodesLifecycle, CreatesAThreeNodeSwarm) {
  auto created = run_rsm({"nodes", "create", env_name(), "-m", "1", "-w", "2"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_NE(created.output.find("swarm of 3 nodes ready"), std::string::npos) << created.output;

  auto nodes = swarm_nodes();
  ASSERT_EQ(nodes.size(), 3u);
  std::set<std::string> hostnames;
  for (const auto& entry : nodes) {
    EXPECT_EQ(entry["Status"]["State"], "ready");
    hostnames.insert(entry["Description"]["Hostname"].get<std::string>());
    const auto& labels = entry["Spec"]["Labels"];
    EXPECT_EQ(labels["rsm.env"], env_name());
    EXPECT_EQ(labels["rsm.driver"], "local");
    EXPECT_EQ(labels["rsm.node"], entry["Description"]["Hostname"]);  // the local driver's hostnames are rsm's names
    bool manager = entry["Description"]["Hostname"] == node("manager", 1);
    EXPECT_EQ(labels["rsm.role"], manager ? "manager" : "worker");
    EXPECT_EQ(entry["Spec"]["Role"], manager ? "manager" : "worker");
  }
  EXPECT_EQ(hostnames, (std::set<std::string>{node("manager", 1), node("worker", 1), node("worker", 2)}));
}

TEST_F(NodesLifecycle, ListsNodesForPeopleAndScripts) {
  auto table = run_rsm({"nodes", "ls", env_name()});
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("NAME"), std::string::npos);
  EXPECT_NE(table.output.find("leader"), std::string::npos) << table.output;

  auto listed = json::parse(run_rsm({"nodes", "ls", env_name(), "--json"}).output);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0]["name"], node("manager", 1));  // managers first
  for (const auto& row : listed) {
    EXPECT_EQ(row["state"], "running");
    EXPECT_EQ(row["swarm"], "active");
    EXPECT_EQ(row["status"], "ready");
    EXPECT_FALSE(row["address"].get<std::string>().empty());
    EXPECT_FALSE(row["engine"].get<std::string>().empty());
  }

  auto envs = json::parse(run_rsm({"env", "ls", "--json"}).output);
  bool found = false;
  for (const auto& row : envs) found = found || (row["name"] == env_name() && row["nodes"] == 3 && row["running"] == 3);
  EXPECT_TRUE(found) << envs.dump();

  auto docker_env = run_rsm({"nodes", "env", env_name()});
  EXPECT_NE(docker_env.output.find("export DOCKER_HOST=unix://"), std::string::npos) << docker_env.output;
}

TEST_F(NodesLifecycle, RunsACommandOnEveryNode) {
  auto ran = run_rsm({"nodes", "ssh", env_name(), "--", "hostname"});
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  for (const auto& name : {node("manager", 1), node("worker", 1), node("worker", 2)})
    EXPECT_NE(ran.output.find(name + " | " + name), std::string::npos) << ran.output;
  EXPECT_EQ(run_rsm({"nodes", "ssh", env_name(), "--", "sh", "-c", "exit 4"}).exit_code, 4);
}

TEST_F(NodesLifecycle, OverlayServicesOnDifferentNodesReachEachOtherByName) {
  engine::Client host(engine::Endpoint::from_environment());
  ensure_busybox_image(host);
  for (const auto& name : {node("manager", 1), node("worker", 1), node("worker", 2)}) {
    engine::Client target(node_engine(env_name(), name));
    engine::copy_image(host, target, kBusyboxImage);
  }
  engine::Client manager(node_engine(env_name(), node("manager", 1)));
  manager.post("/networks/create", {{"Name", "probe-net"}, {"Driver", "overlay"}, {"Attachable", true}});
  // No IPVS on some kernels: dnsrr endpoints, not virtual IPs.
  manager.post(
      "/services/create",
      {{"Name", "echo"},
       {"TaskTemplate",
        {{"ContainerSpec",
          {{"Image", kBusyboxImage},
           {"Args", {"sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"}}}},
         {"Placement", {{"Constraints", {"node.labels.rsm.role==worker"}}, {"MaxReplicas", 1}}},
         {"Networks", {{{"Target", "probe-net"}}}}}},
       {"Mode", {{"Replicated", {{"Replicas", 2}}}}},
       {"EndpointSpec", {{"Mode", "dnsrr"}}}});
  manager.post("/services/create", {{"Name", "caller"},
                                    {"TaskTemplate",
                                     {{"ContainerSpec", {{"Image", kBusyboxImage}, {"Args", {"sleep", "3600"}}}},
                                      {"Placement", {{"Constraints", {"node.role==manager"}}}},
                                      {"Networks", {{{"Target", "probe-net"}}}}}},
                                    {"Mode", {{"Replicated", {{"Replicas", 1}}}}},
                                    {"EndpointSpec", {{"Mode", "dnsrr"}}}});

  auto running_tasks = [&](const std::string& service) {
    std::string filter = json{{"service", {service}}, {"desired-state", {"running"}}}.dump();
    json running = json::array();
    for (const auto& task : manager.get("/tasks?filters=" + filter))
      if (task["Status"]["State"] == "running") running.push_back(task);
    return running;
  };
  ASSERT_TRUE(eventually([&] { return running_tasks("echo").size() == 2 && running_tasks("caller").size() == 1; }, 90));

  std::set<std::string> echo_nodes;
  std::set<std::string> echo_hostnames;
  for (const auto& task : running_tasks("echo")) {
    echo_nodes.insert(task["NodeID"].get<std::string>());
    echo_hostnames.insert(task["Status"]["ContainerStatus"]["ContainerID"].get<std::string>().substr(0, 12));
  }
  EXPECT_EQ(echo_nodes.size(), 2u) << "the echo tasks should run on two different workers";

  std::string filter = json{{"label", {"com.docker.swarm.service.name=caller"}}}.dump();
  auto callers = manager.get("/containers/json?filters=" + filter);
  ASSERT_EQ(callers.size(), 1u);
  std::string caller = callers[0]["Id"];
  // Busybox's own resolver asks the swarm's DNS for the service name; its nc then talks
  // HTTP to every address it got. (Its wget crashes on name lookups in a scratch image.)
  const char* script =
      "for ip in $(nslookup echo 127.0.0.11 | sed -n 's/^Address: \\([0-9.]*\\)$/\\1/p'); do"
      "  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 $ip 8080 | tail -n 1; "
      "done";
  std::set<std::string> answered;
  for (int attempt = 0; attempt < 20 && answered.size() < 2; ++attempt) {
    std::string out;
    engine::exec_in_container(manager, caller, {"/bin/busybox", "sh", "-c", script},
                              [&](engine::StreamKind kind, std::string_view data) {
                                if (kind == engine::StreamKind::Stdout) out.append(data);
                              });
    for (size_t start = 0, end; (end = out.find('\n', start)) != std::string::npos; start = end + 1)
      if (end > start) answered.insert(out.substr(start, end - start));
    if (answered.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(answered, echo_hostnames) << "the caller on the manager should reach both echo tasks by name";
}

TEST_F(NodesLifecycle, CreateAgainContinuesTheNumbering) {
  auto created = run_rsm({"nodes", "create", env_name(), "-w", "1", "-q", "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(ready_hostnames(),
            (std::set<std::string>{node("manager", 1), node("worker", 1), node("worker", 2), node("worker", 3)}));
  auto printed = json::parse(created.output);
  EXPECT_EQ(printed["env"], env_name());
  ASSERT_EQ(printed["nodes"].size(), 4u) << created.output;
  EXPECT_EQ(printed["nodes"][3]["name"], node("worker", 3));
}

TEST_F(NodesLifecycle, CreateFinishesWhatWasLeftHalfDone) {
  // A stopped node and a node that left the swarm: `create` with nothing new repairs both.
  engine::Client host(engine::Endpoint::from_environment());
  host.post("/containers/" + node("worker", 2) + "/stop?t=5");
  engine::Client(node_engine(env_name(), node("worker", 3))).post("/swarm/leave?force=1");

  auto repaired = run_rsm({"nodes", "create", env_name()});
  ASSERT_EQ(repaired.exit_code, 0) << repaired.output;
  EXPECT_TRUE(eventually([] { return ready_hostnames().size() == 4; }, 30));
  auto listed = json::parse(run_rsm({"nodes", "ls", env_name(), "--json"}).output);
  ASSERT_EQ(listed.size(), 4u);
  for (const auto& row : listed) {
    EXPECT_EQ(row["state"], "running") << row.dump();
    EXPECT_EQ(row["status"], "ready") << row.dump();
  }
  // The node that left comes back as a new swarm node; its old entry is cleaned away.
  EXPECT_EQ(swarm_nodes().size(), 4u);
}

TEST_F(NodesLifecycle, StopAndStartKeepTheSwarm) {
  engine::Client manager(node_engine(env_name(), node("manager", 1)));
  std::string swarm_id = manager.get("/swarm")["ID"];

  auto stopped = run_rsm({"nodes", "stop", env_name()});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  for (const auto& row : json::parse(run_rsm({"nodes", "ls", env_name(), "--json"}).output))
    EXPECT_NE(row["state"], "running") << row.dump();

  auto started = run_rsm({"nodes", "start", env_name(), "--json"});
  ASSERT_EQ(started.exit_code, 0) << started.output;
  auto printed = json::parse(started.output.substr(started.output.find('{')));  // after the progress lines
  EXPECT_EQ(printed["nodes"].size(), 4u) << started.output;
  engine::Client manager_again(node_engine(env_name(), node("manager", 1)));
  EXPECT_EQ(manager_again.get("/swarm")["ID"], swarm_id);
  EXPECT_TRUE(eventually([] { return ready_hostnames().size() == 4; }, 60));
  // What ran on the swarm is still defined there.
  EXPECT_EQ(manager_again.request(engine::Method::Get, "/services/echo").status, 200);
}

TEST_F(NodesLifecycle, RemoveLeavesNothingBehind) {
  auto removed = run_rsm({"nodes", "rm", env_name(), "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  engine::Client host(engine::Endpoint::from_environment());
  auto left = leftovers(host, env_name());
  EXPECT_TRUE(left.empty()) << left.size() << " left, first: " << (left.empty() ? "" : left[0]);
  // And removing again is not an error.
  EXPECT_EQ(run_rsm({"nodes", "rm", env_name(), "-f"}).exit_code, 0);
}
