// rsm nodes promote on a real local swarm.
#include <gtest/gtest.h>

#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

namespace {

class Promote : public EnvironmentTest {
 protected:
  void SetUp() override { make_environment("prom", 1, 3); }

  // name -> {swarm role, rsm.role label, manager reachability}
  std::map<std::string, std::vector<std::string>> swarm_view() {
    engine::Client manager(node_engine(env_, node("manager", 1)));
    std::map<std::string, std::vector<std::string>> view;
    for (const auto& entry : manager.get("/nodes"))
      view[entry["Description"]["Hostname"]] = {
          entry["Spec"]["Role"], entry["Spec"]["Labels"].value("rsm.role", ""),
          entry.contains("ManagerStatus") ? entry["ManagerStatus"].value("Reachability", "") : ""};
    return view;
  }
};

}  // namespace

TEST_F(Promote, ReachesThreeManagersThenDoesNothingMore) {
  auto promoted = run_rsm({"nodes", "promote", env_});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.output;
  EXPECT_NE(promoted.output.find("promoted " + node("worker", 1) + ", " + node("worker", 2)), std::string::npos)
      << promoted.output;
  auto view = swarm_view();
  EXPECT_EQ(view[node("worker", 1)], (std::vector<std::string>{"manager", "manager", "reachable"}));
  EXPECT_EQ(view[node("worker", 2)], (std::vector<std::string>{"manager", "manager", "reachable"}));
  EXPECT_EQ(view[node("worker", 3)][0], "worker");

  auto listed = json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output);
  for (const auto& row : listed) {
    if (row["name"] == node("worker", 1)) {
      EXPECT_EQ(row["role"], "manager");
    }
  }

  auto again = run_rsm({"nodes", "promote", env_});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("nothing to promote"), std::string::npos) << again.output;
  auto as_json = run_rsm({"nodes", "promote", env_, "--json"});
  EXPECT_EQ(as_json.output.substr(as_json.output.find('{')),
            nlohmann::json({{"env", env_}, {"promoted", nlohmann::json::array()}}).dump(2) + "\n");

  // A later create keeps what the swarm says, not what the machines were made as.
  ASSERT_EQ(run_rsm({"nodes", "create", env_, "-q"}).exit_code, 0);
  EXPECT_EQ(swarm_view()[node("worker", 1)][1], "manager");
}

TEST_F(Promote, PromotesNamedNodesAndRefusesUnknownOnes) {
  auto promoted = run_rsm({"nodes", "promote", env_, node("worker", 3)});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.output;
  EXPECT_EQ(swarm_view()[node("worker", 3)], (std::vector<std::string>{"manager", "manager", "reachable"}));

  auto unknown = run_rsm({"nodes", "promote", env_, node("worker", 9)});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_EQ(unknown.output.rfind("rsm: error: " + env_ + " has no node " + node("worker", 9), 0), 0u) << unknown.output;
}
