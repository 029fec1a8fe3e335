// rsm nodes rm ENV NODE... on a real local swarm: a worker and then the first manager leave
// while an app keeps its tasks on the others, and what would break the swarm (no manager
// left, every node) or reach a database that does not answer is refused with nothing
// changed. Moving a real database's replicas off a node is db_real_test.cpp's.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

namespace {

class NodeRemoval : public EnvironmentTest {
 protected:
  void SetUp() override { make_environment("nrm", 1, 3); }

  // name -> "ROLE AVAILABILITY", as the swarm has it
  std::map<std::string, std::string> swarm_view() {
    auto listed = json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output);
    std::map<std::string, std::string> view;
    for (const auto& row : listed)
      view[row["name"]] = row["role"].get<std::string>() + " " + row["availability"].get<std::string>();
    return view;
  }

  int running_web_tasks() {
    auto listed = json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
    return listed.empty() ? -1 : listed[0].value("running", -1);
  }
};

}  // namespace

TEST_F(NodeRemoval, NodesLeaveWhileTheAppKeepsItsTasksAndWhatWouldBreakIsRefused) {
  engine::Client host(engine::Endpoint::from_environment());
  ASSERT_EQ(run_rsm({"nodes", "promote", env_}).exit_code, 0);  // worker-1 and worker-2: 3 managers
  auto deployed = run_rsm({"app", "deploy", env_, "web", ensure_web_image(host, "1"), "-r", "3", "-q"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  auto before = swarm_view();
  ASSERT_EQ(before.size(), 4u);

  auto unknown = run_rsm({"nodes", "rm", env_, node("worker", 9), "-f"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_EQ(unknown.output.rfind("rsm: error: " + env_ + " has no node " + node("worker", 9), 0), 0u) << unknown.output;
  EXPECT_EQ(run_rsm({"nodes", "rm", env_, node("worker", 3)}).exit_code, 2) << "no -f and no terminal to ask on";
  auto every =
      run_rsm({"nodes", "rm", env_, node("manager", 1), node("worker", 1), node("worker", 2), node("worker", 3), "-f"});
  EXPECT_EQ(every.exit_code, 2) << every.output;
  EXPECT_NE(every.output.find("that is every node of " + env_), std::string::npos) << every.output;
  auto managers = run_rsm({"nodes", "rm", env_, node("manager", 1), node("worker", 1), node("worker", 2), "-f"});
  EXPECT_EQ(managers.exit_code, 2) << managers.output;
  EXPECT_NE(managers.output.find("would have no manager left: promote a node that stays first"), std::string::npos)
      << managers.output;
  EXPECT_EQ(swarm_view(), before) << "the refusals changed nothing";

  // A worker: drained (its task starts elsewhere), gone from the swarm and from this machine.
  auto worker = run_rsm({"nodes", "rm", env_, node("worker", 3), "-f", "--json"});
  ASSERT_EQ(worker.exit_code, 0) << worker.output;
  auto removed = json::parse(worker.output.substr(worker.output.find('{')));
  EXPECT_EQ(removed["removed"], json::array({node("worker", 3)}));
  EXPECT_EQ(removed["db_servers"], json::array());
  EXPECT_EQ(host.request(engine::Method::Get, "/containers/" + node("worker", 3) + "/json").status, 404);
  EXPECT_EQ(swarm_view(), (std::map<std::string, std::string>{{node("manager", 1), "manager active"},
                                                              {node("worker", 1), "manager active"},
                                                              {node("worker", 2), "manager active"}}));
  EXPECT_EQ(running_web_tasks(), 3);

  // The first manager, through which rsm asked the swarm until now: demoted, then gone; the
  // promoted workers carry on as the swarm's managers.
  auto manager = run_rsm({"nodes", "rm", env_, node("manager", 1), "-f"});
  ASSERT_EQ(manager.exit_code, 0) << manager.output;
  EXPECT_NE(manager.output.find("demoting"), std::string::npos) << manager.output;
  EXPECT_NE(manager.output.find(env_ + ": removed " + node("manager", 1)), std::string::npos) << manager.output;
  EXPECT_EQ(swarm_view(), (std::map<std::string, std::string>{{node("worker", 1), "manager active"},
                                                              {node("worker", 2), "manager active"}}));
  EXPECT_EQ(running_web_tasks(), 3);

  // A database that does not answer (the stand-in takes no queries): its replicas cannot be
  // handed on, so the node stays as it was.
  ASSERT_EQ(run_rsm({"db", "create", env_, "--image", ensure_fake_rethinkdb_image(host), "--no-wait", "-q"}).exit_code,
            0);
  auto unanswered = run_rsm({"nodes", "rm", env_, node("worker", 2), "-f"});
  EXPECT_EQ(unanswered.exit_code, 1) << unanswered.output;
  EXPECT_NE(unanswered.output.find("rsm: error: cannot reach the database of " + env_), std::string::npos)
      << unanswered.output;
  EXPECT_EQ(swarm_view().at(node("worker", 2)), "manager active");
  auto servers = run_rsm({"db", "create", env_, "--image", ensure_fake_rethinkdb_image(host), "--no-wait", "--json"});
  ASSERT_EQ(servers.exit_code, 0) << servers.output;
  EXPECT_EQ(json::parse(servers.output.substr(servers.output.find('{')))["unchanged"].size(), 2u) << servers.output;
}
