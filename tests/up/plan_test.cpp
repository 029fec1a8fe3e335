// Which nodes a file's groups account for: what up adds (missing_nodes) and what `up
// --prune` removes (surplus_nodes), counted by driver, region and the role each machine
// was made with.
#include "up/plan.h"

#include <gtest/gtest.h>

using namespace rsm;
using drivers::Role;

namespace {

drivers::Node machine(const std::string& name, Role role, const std::string& driver = "local",
                      const std::string& region = "", const std::string& host = "") {
  return {.name = name, .driver = driver, .role = role, .region = region, .host = host};
}

std::vector<std::string> names(const std::vector<drivers::Node>& nodes) {
  std::vector<std::string> out;
  for (const auto& node : nodes) out.push_back(node.name);
  return out;
}

}  // namespace

TEST(SurplusNodes, AreTheLastMadePastEachGroupsCount) {
  std::vector<drivers::Node> nodes{machine("m1", Role::Manager), machine("m2", Role::Manager),
                                   machine("w1", Role::Worker), machine("w2", Role::Worker),
                                   machine("w3", Role::Worker)};
  EXPECT_EQ(names(up::surplus_nodes(nodes, {{.managers = 1, .workers = 2}})), (std::vector<std::string>{"m2", "w3"}));
  EXPECT_EQ(names(up::surplus_nodes(nodes, {{.managers = 2, .workers = 3}})), std::vector<std::string>{});
  EXPECT_EQ(names(up::surplus_nodes(nodes, {{.managers = 3, .workers = 4}})), std::vector<std::string>{})
      << "nodes still to be made are up's to add, not surplus";
}

TEST(SurplusNodes, CountByDriverRegionAndAdoptedHost) {
  std::vector<drivers::Node> nodes{
      machine("m1", Role::Manager, "local"), machine("w1", Role::Worker, "digitalocean", "nyc3"),
      machine("w2", Role::Worker, "digitalocean", "fra1"), machine("s1", Role::Worker, "ssh", "", "root@10.0.0.5"),
      machine("s2", Role::Worker, "ssh", "", "root@10.0.0.6")};
  std::vector<swarm::CreateRequest> groups{{.managers = 1},
                                           {.workers = 1, .driver = "digitalocean", .region = "fra1"},
                                           {.driver = "ssh", .hosts = {"10.0.0.6"}}};
  EXPECT_EQ(names(up::surplus_nodes(nodes, groups)), (std::vector<std::string>{"w1", "s1"}));
  auto missing = up::missing_nodes(nodes, {.workers = 2, .driver = "digitalocean", .region = "nyc3"});
  EXPECT_EQ(missing.workers, 1);
}
