// What `rsm status` finds not well, on made-up states: each finding names the part and
// ends with what to run; a healthy state has none.
#include "status/findings.h"

#include <gtest/gtest.h>

using namespace rsm;
using namespace rsm::status;

namespace {

swarm::NodeStatus node(const std::string& name, drivers::Role role, const std::string& manager_status = "") {
  swarm::NodeStatus row;
  row.node.name = name;
  row.node.role = role;
  row.node.state = "running";
  row.swarm_state = "active";
  row.status = "ready";
  row.availability = "active";
  row.manager_status = manager_status;
  return row;
}

EnvironmentStatus healthy() {
  EnvironmentStatus status{.env = "prd"};
  status.nodes = {node("prd-manager-1", drivers::Role::Manager, "leader"),
                  node("prd-manager-2", drivers::Role::Manager, "reachable"),
                  node("prd-manager-3", drivers::Role::Manager, "reachable")};
  status.has_database = true;
  status.db = db::StatusReport{};
  status.apps = {{.name = "web", .replicas = 2, .running = 2, .update = "completed"}};
  status.has_edge = true;
  for (const auto& row : status.nodes) status.edge.push_back({.node = row.node.name, .running = true});
  return status;
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& problem : problems)
    if (problem.find(text) != std::string::npos) return true;
  return false;
}

TEST(StatusFindings, AHealthyEnvironmentHasNone) {
  EXPECT_TRUE(find_problems(healthy()).empty());
  auto managers = count_managers(healthy().nodes);
  EXPECT_EQ(managers.all, 3);
  EXPECT_EQ(managers.reachable, 3);
  EXPECT_TRUE(managers.quorum());
}

TEST(StatusFindings, AStoppedManagerIsNamedAndTwoLoseTheQuorum) {
  auto status = healthy();
  status.nodes[2].node.state = "exited";
  status.nodes[2].manager_status = "unreachable";
  auto problems = find_problems(status);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "node prd-manager-3 is not running (exited): `rsm nodes start prd` starts it");

  status.nodes[1].node.state = "exited";
  status.nodes[1].manager_status = "unreachable";
  problems = find_problems(status);
  EXPECT_FALSE(count_managers(status.nodes).quorum());
  EXPECT_TRUE(mentions(problems, "lost its quorum (1 of 3 managers reachable)")) << problems.back();
}

TEST(StatusFindings, AnEngineThatDoesNotAnswerADrainedNodeAndANodeOutsideTheSwarm) {
  auto status = healthy();
  status.nodes[0].swarm_state = "unreachable";
  status.nodes[1].swarm_state = "inactive";
  status.nodes[2].availability = "drain";
  auto problems = find_problems(status);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_TRUE(mentions(problems, "the engine of node prd-manager-1 does not answer"));
  EXPECT_TRUE(mentions(problems, "node prd-manager-2 is not in the swarm (inactive): `rsm nodes start prd`"));
  EXPECT_TRUE(mentions(problems, "node prd-manager-3 takes no tasks (availability drain)"));
}

TEST(StatusFindings, AppsShortOfTasksOrRolledBackByThemselves) {
  auto status = healthy();
  status.apps[0].running = 1;
  status.apps[0].failure = "No such image: web:2 (rejected)";
  status.apps.push_back({.name = "api",
                         .image = "api:1",
                         .replicas = 1,
                         .running = 1,
                         .update = "rollback_completed",
                         .update_message = "update rolled back due to failure or early termination of task x"});
  status.apps.push_back({.name = "old",
                         .replicas = 1,
                         .running = 1,
                         .update = "rollback_completed",
                         .update_message = "manually requested rollback"});
  auto problems = find_problems(status);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0],
            "app web runs 1 of 2 tasks (No such image: web:2 (rejected)): `rsm app ps prd web` shows each task");
  EXPECT_TRUE(mentions(problems, "app api's last update failed and was rolled back to api:1"));
}

TEST(StatusFindings, TheDatabasesOwnProblemsAndUnreadablePartsComeAlong) {
  auto status = healthy();
  status.db->problems.push_back("table shop.orders has 1 replica(s), 3 wanted: `rsm db replicate prd`");
  status.unreadable.push_back("the apps: no manager of prd answers");
  status.edge[1].running = false;
  status.edge[1].failure = "port 8080 is taken (rejected)";
  auto problems = find_problems(status);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "cannot read the apps: no manager of prd answers");
  EXPECT_EQ(problems[1], "table shop.orders has 1 replica(s), 3 wanted: `rsm db replicate prd`");
  EXPECT_TRUE(mentions(problems, "the edge proxy does not run on prd-manager-2 (port 8080 is taken (rejected))"));
}

}  // namespace
