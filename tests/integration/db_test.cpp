// rsm db on a real local swarm: the services, volumes, secret, network and placement it
// makes, read back through the engines; re-running; removing; the start script's choices.
// Where no RethinkDB image exists (here) the servers run a stand-in that records how the
// start script called it (tests/support/fake_rethinkdb/); it cannot form a cluster, so
// create runs with --no-wait. db_real_test.cpp runs the rest against a real image.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "engine/exec.h"
#include "engine/url.h"
#include "support/environment_fixture.h"
#include "support/ports.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"
#include "swarm/objects.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

namespace {

// The JSON document at the end of what rsm printed (warnings may come before it).
json json_output(const std::string& output) {
  auto start = output.find("\n{");
  return json::parse(output.substr(start == std::string::npos ? output.find('{') : start + 1));
}

class Db : public EnvironmentTest {
 protected:
  void SetUp() override {
    make_environment("db", 1, 2);
    engine::Client host(engine::Endpoint::from_environment());
    image_ = ensure_fake_rethinkdb_image(host);
  }

  std::vector<std::string> nodes() const { return {node("manager", 1), node("worker", 1), node("worker", 2)}; }

  engine::Client engine_of(const std::string& node_name) { return engine::Client(node_engine(env_, node_name)); }

  json services() {
    auto manager = engine_of(node("manager", 1));
    return manager.get("/services?filters=" +
                       engine::encode_filters({{"label", json::array({"rsm.component=db", "rsm.env=" + env_})}}));
  }

  // The running database container on the node, if any.
  std::string db_container(engine::Client& engine) {
    auto found = engine.get("/containers/json?filters=" +
                            engine::encode_filters({{"label", json::array({"rsm.component=db"})}}));
    return found.empty() ? "" : found[0]["Id"].get<std::string>();
  }

  std::string run_in(engine::Client& engine, const std::string& container, const std::vector<std::string>& argv) {
    std::string out;
    engine::exec_in_container(engine, container, argv, [&](engine::StreamKind, std::string_view text) { out += text; });
    return out;
  }

  // What the fake rethinkdb recorded on the node's server: one line per call. Waits
  // until the server started serving that many times (its first peer may take a moment).
  std::string calls_on(const std::string& node_name, int serves = 1) {
    auto engine = engine_of(node_name);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      std::string container = db_container(engine);
      std::string calls = container.empty() ? "" : run_in(engine, container, {"cat", "/data/calls"});
      int served = 0;
      for (size_t at = calls.find("--bind all"); at != std::string::npos; at = calls.find("--bind all", at + 1))
        ++served;
      if (served >= serves || std::chrono::steady_clock::now() > deadline) return calls;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  bool has_volume(const std::string& node_name, const std::string& volume) {
    return engine_of(node_name).request(engine::Method::Get, "/volumes/" + volume).status == 200;
  }

  std::string image_;
};

}  // namespace

TEST_F(Db, CreatesOneServerPinnedToEachNodeAndReappliesWithoutChanges) {
  auto created = run_rsm({"db", "create", env_, "--image", image_, "--no-wait", "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  // Three nodes, one manager: the cluster works, but is not highly available yet.
  EXPECT_NE(created.output.find("rsm nodes promote " + env_), std::string::npos) << created.output;
  auto result = json_output(created.output);
  EXPECT_EQ(result["created"].size(), 3u);
  EXPECT_EQ(result["servers"].size(), 3u);

  auto manager = engine_of(node("manager", 1));
  auto network = manager.get("/networks/dbnet");
  EXPECT_EQ(network["Driver"], "overlay");
  EXPECT_TRUE(network["Attachable"].get<bool>());
  auto secrets =
      manager.get("/secrets?filters=" + engine::encode_filters({{"label", json::array({"rsm.component=db"})}}));
  std::set<std::string> secret_names;
  for (const auto& secret : secrets) secret_names.insert(secret["Spec"]["Name"]);
  EXPECT_EQ(secret_names, (std::set<std::string>{"rsm-db-password", "rsm-db-cluster-ca", "rsm-db-cluster-cert",
                                                 "rsm-db-cluster-key"}));

  auto listed = services();
  ASSERT_EQ(listed.size(), 3u);
  for (const auto& node_name : nodes()) {
    std::string service = "db-" + node_name;
    auto it = std::find_if(listed.begin(), listed.end(), [&](const json& s) { return s["Spec"]["Name"] == service; });
    ASSERT_NE(it, listed.end()) << service;
    const json& spec = (*it)["Spec"];
    EXPECT_EQ(spec["TaskTemplate"]["Placement"]["Constraints"], json::array({"node.labels.rsm.node==" + node_name}));
    EXPECT_EQ(spec["EndpointSpec"]["Mode"], "dnsrr");
    EXPECT_EQ(spec["TaskTemplate"]["Networks"][0]["Aliases"], json::array({"db"}));

    // Its task runs on its node, with its volume there and nowhere else.
    auto engine = engine_of(node_name);
    EXPECT_FALSE(db_container(engine).empty()) << "no database container on " << node_name;
    for (const auto& other : nodes())
      EXPECT_EQ(has_volume(other, service + "-data"), other == node_name) << service << " volume on " << other;
  }

  // The start script made each server once with its name and the admin password, then
  // started it on its overlay address, joined to the others by address, never to itself.
  auto password = run_rsm({"db", "password", env_});
  ASSERT_EQ(password.exit_code, 0) << password.output;
  std::string pw = password.output.substr(0, password.output.find('\n'));
  EXPECT_EQ(pw.size(), 32u);
  EXPECT_EQ(created.output.find(pw), std::string::npos) << "create printed the password";
  for (const auto& node_name : nodes()) {
    std::string calls = calls_on(node_name);
    std::string server = std::regex_replace(node_name, std::regex("-"), "_");
    EXPECT_NE(calls.find("create --directory /data/rethinkdb_data.new --server-name " + server), std::string::npos)
        << calls;
    EXPECT_NE(calls.find("--initial-password " + pw), std::string::npos) << calls;
    std::smatch address;
    ASSERT_TRUE(std::regex_search(calls, address, std::regex("--canonical-address ([0-9.]+)"))) << calls;
    EXPECT_NE(calls.find("--join "), std::string::npos) << calls;
    EXPECT_EQ(calls.find("--join " + address[1].str() + ":"), std::string::npos) << "joined itself: " << calls;
    EXPECT_NE(calls.find("--cluster-tls-key /run/secrets/rsm-db-cluster-key --cluster-tls-cert "
                         "/run/secrets/rsm-db-cluster-cert --cluster-tls-ca /run/secrets/rsm-db-cluster-ca"),
              std::string::npos)
        << calls;
  }

  // Again: nothing changes, and the password stays. A node without its rsm.node label (a
  // swarm formed by an older rsm) gets it back, since its server is pinned by it.
  for (auto entry : manager.get("/nodes")) {
    if (entry["Description"]["Hostname"] != node("worker", 1)) continue;
    entry["Spec"]["Labels"].erase("rsm.node");
    manager.post(fmt::format("/nodes/{}/update?version={}", entry["ID"].get<std::string>(),
                             entry["Version"]["Index"].get<long>()),
                 entry["Spec"]);
  }
  auto again = run_rsm({"db", "create", env_, "--image", image_, "--no-wait", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(json_output(again.output)["unchanged"].size(), 3u);
  for (const auto& entry : manager.get("/nodes"))
    EXPECT_EQ(entry["Spec"]["Labels"].value("rsm.node", ""), entry["Description"]["Hostname"]);
  EXPECT_EQ(run_rsm({"db", "password", env_}).output.substr(0, 32), pw);

  auto logs = run_rsm({"db", "logs", env_});
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_NE(logs.output.find(fmt::format("db-{0}@{0} | fake rethinkdb serving", node("worker", 2))), std::string::npos)
      << logs.output;
  auto newest = run_rsm({"db", "logs", env_, "--grep", "serv(ing|ed)", "--tail", "1", "--timestamps"});
  EXPECT_EQ(newest.exit_code, 0) << newest.output;
  EXPECT_EQ(std::count(newest.output.begin(), newest.output.end(), '\n'), 1) << newest.output;
  EXPECT_TRUE(newest.output.starts_with("20")) << "the time first: " << newest.output;
  EXPECT_EQ(run_rsm({"db", "logs", env_, "--since", "2099-01-01T00:00:00Z"}).output, "");
  EXPECT_EQ(run_rsm({"db", "logs", env_, "--since", "yesterday"}).exit_code, 2);
  EXPECT_EQ(run_rsm({"db", "logs", env_, "--grep", "("}).exit_code, 2);

  // A node added later gets its server from the next create; the others are left alone.
  ASSERT_EQ(run_rsm({"nodes", "create", env_, "-w", "1", "-q"}).exit_code, 0);
  auto grown = run_rsm({"db", "create", env_, "--image", image_, "--no-wait", "--json"});
  ASSERT_EQ(grown.exit_code, 0) << grown.output;
  auto after = json_output(grown.output);
  EXPECT_EQ(after["created"], json::array({"db-" + node("worker", 3)})) << after.dump();
  EXPECT_EQ(after["unchanged"].size(), 3u) << after.dump();
  EXPECT_NE(calls_on(node("worker", 3)).find("--join "), std::string::npos);

  // A new image: the servers are updated one at a time, each running again before the next
  // one stops, and every server keeps its data.
  engine::Client host(engine::Endpoint::from_environment());
  std::string second_image = image_ + "-second";
  host.post(fmt::format("/images/{}/tag?repo={}&tag={}", image_, image_.substr(0, image_.rfind(':')),
                        second_image.substr(image_.rfind(':') + 1)));
  auto updated = run_rsm({"db", "create", env_, "--image", second_image, "--no-wait", "--json"});
  host.request(engine::Method::Delete, "/images/" + second_image);
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_EQ(json_output(updated.output)["updated"].size(), 4u) << updated.output;
  std::vector<std::pair<double, double>> restarts;  // per server: its old task stopped, its new one running
  auto manager_engine = engine_of(node("manager", 1));
  auto all = nodes();
  all.push_back(node("worker", 3));
  for (const auto& node_name : all) {
    double stopped = 0, running = 0;
    for (const auto& task : manager_engine.get(
             "/tasks?filters=" + engine::encode_filters({{"service", json::array({"db-" + node_name})}}))) {
      double at = swarm::engine_time(task["Status"].value("Timestamp", ""));
      if (task.value("DesiredState", "") == "running")
        running = at;
      else
        stopped = std::max(stopped, at);
    }
    restarts.emplace_back(stopped, running);
  }
  for (size_t i = 1; i < restarts.size(); ++i)
    EXPECT_LE(restarts[i - 1].second, restarts[i].first)
        << "server " << i << " stopped before server " << i - 1 << " ran again";
  EXPECT_EQ(run_rsm({"db", "password", env_}).output.substr(0, 32), pw);
  for (const auto& node_name : all) {  // served again on the data it had: made only once
    std::string calls = calls_on(node_name, 2);
    size_t made = 0;
    for (size_t at = calls.find("create --directory"); at != std::string::npos;
         at = calls.find("create --directory", at + 1))
      ++made;
    EXPECT_EQ(made, 1u) << node_name << ": " << calls;
  }
}

TEST_F(Db, RemoveKeepsDataWhenAskedAndOtherwiseLeavesNothing) {
  ASSERT_EQ(run_rsm({"db", "create", env_, "--image", image_, "--no-wait"}).exit_code, 0);
  std::string password = run_rsm({"db", "password", env_}).output;
  calls_on(node("worker", 1));

  auto kept = run_rsm({"db", "rm", env_, "--keep-data"});
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_TRUE(services().empty());
  EXPECT_TRUE(has_volume(node("worker", 1), "db-" + node("worker", 1) + "-data"));

  // Back on the same volumes: the servers are not made again, the password is the same.
  ASSERT_EQ(run_rsm({"db", "create", env_, "--image", image_, "--no-wait"}).exit_code, 0);
  std::string calls = calls_on(node("worker", 1), 2);
  EXPECT_EQ(std::count(calls.begin(), calls.end(), '\n'), 3) << "create, serve, serve:\n" << calls;
  EXPECT_EQ(calls.find("create"), calls.rfind("create")) << calls;
  EXPECT_EQ(run_rsm({"db", "password", env_}).output, password);

  // Deleting data needs a confirmation a script cannot give by accident.
  auto unconfirmed = run_rsm({"db", "rm", env_});
  EXPECT_EQ(unconfirmed.exit_code, 2) << unconfirmed.output;
  EXPECT_EQ(services().size(), 3u);

  auto removed = run_rsm({"db", "rm", env_, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_TRUE(services().empty());
  auto manager = engine_of(node("manager", 1));
  EXPECT_EQ(manager.request(engine::Method::Get, "/networks/dbnet").status, 404);
  auto labelled = engine::encode_filters({{"label", json::array({"rsm.component=db"})}});
  EXPECT_TRUE(manager.get("/secrets?filters=" + labelled).empty());
  EXPECT_TRUE(manager.get("/configs?filters=" + labelled).empty());
  for (const auto& node_name : nodes()) EXPECT_FALSE(has_volume(node_name, "db-" + node_name + "-data")) << node_name;

  auto nothing = run_rsm({"db", "rm", env_, "-f"});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.output;
}

TEST_F(Db, AdminIsReachedThroughATunnelOnlyAndStatusSaysWhenTheDatabaseDoesNotAnswer) {
  ASSERT_EQ(run_rsm({"db", "create", env_, "--image", image_, "--no-wait"}).exit_code, 0);
  int port = free_port();
  auto served =
      fetch_through_rsm({"db", "admin", env_, "--port", std::to_string(port)}, port, "fake rethinkdb admin of");
  EXPECT_NE(served.page.find("fake rethinkdb admin of"), std::string::npos) << served.page;
  EXPECT_EQ(served.exit_code, 0) << "admin ends cleanly on SIGTERM";

  // Nothing of the database is published on the nodes' interfaces.
  auto manager = engine_of(node("manager", 1));
  for (const auto& service : services()) EXPECT_FALSE(service["Endpoint"].contains("Ports")) << service.dump();

  // The stand-in takes no queries: status fails in one line, naming what to look at.
  auto status = run_rsm({"db", "status", env_});
  EXPECT_EQ(status.exit_code, 1) << status.output;
  EXPECT_NE(status.output.find("rsm: error: cannot reach the database of " + env_), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("rsm db logs " + env_), std::string::npos) << status.output;

  // rm takes the relay away too, or the network could not go.
  ASSERT_EQ(run_rsm({"db", "rm", env_, "-f"}).exit_code, 0);
  EXPECT_EQ(manager.request(engine::Method::Get, "/networks/dbnet").status, 404);
  EXPECT_EQ(manager.request(engine::Method::Get, "/containers/rsm-relay-dbnet/json").status, 404);
}

TEST_F(Db, AnImageNobodyHasFailsAtOnceAndLeavesNothing) {
  auto result = run_rsm({"db", "create", env_, "--image", "rsm-test/nobody-has:404"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.output.rfind("rsm: error: no engine has image rsm-test/nobody-has:404", 0), 0u) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  EXPECT_TRUE(services().empty());
  auto manager = engine_of(node("manager", 1));
  EXPECT_EQ(manager.request(engine::Method::Get, "/networks/dbnet").status, 404);

  auto bad = run_rsm({"db", "create", env_, "--servers-per-node", "0"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_EQ(run_rsm({"db", "create", env_, "--heartbeat", "1"}).exit_code, 2);
  auto unformed = run_rsm({"db", "create", env_, "--heartbeat", "3", "--no-wait"});
  EXPECT_EQ(unformed.exit_code, 2) << unformed.output;
  EXPECT_NE(unformed.output.find("leave out --no-wait"), std::string::npos) << unformed.output;
  EXPECT_TRUE(services().empty());
  auto no_env = run_rsm({"db", "create", "nosuchenv" + std::to_string(getpid())});
  EXPECT_EQ(no_env.exit_code, 2) << no_env.output;
  EXPECT_NE(no_env.output.find("has no nodes"), std::string::npos) << no_env.output;
}
