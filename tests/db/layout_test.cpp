// The RethinkDB cluster's layout: names, placement and the service spec rsm asks for.
#include <gtest/gtest.h>

#include "db/layout.h"

using namespace rsm;
using nlohmann::json;

namespace {

drivers::Node node(const std::string& name, drivers::Role role, const std::string& region = "") {
  drivers::Node n;
  n.name = name;
  n.role = role;
  n.region = region;
  return n;
}

}  // namespace

TEST(DbLayout, OneServerPerNodeNamedAfterIt) {
  auto servers = db::plan_servers(
      {node("dev-manager-1", drivers::Role::Manager), node("dev-worker-1", drivers::Role::Worker, "nyc3")}, 1);
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].service, "db-dev-manager-1");
  EXPECT_EQ(servers[0].name, "dev_manager_1");  // RethinkDB names allow no '-'
  EXPECT_EQ(servers[0].node, "dev-manager-1");
  EXPECT_EQ(servers[0].volume, "db-dev-manager-1-data");
  EXPECT_EQ(servers[0].tags, std::vector<std::string>{"manager"});
  EXPECT_EQ(servers[1].tags, (std::vector<std::string>{"worker", "nyc3"}));
}

TEST(DbLayout, SeveralServersPerNodeGetTheirOwnNamesAndVolumes) {
  auto servers = db::plan_servers({node("t-manager-1", drivers::Role::Manager)}, 2);
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].service, "db-t-manager-1");
  EXPECT_EQ(servers[1].service, "db-t-manager-1-2");
  EXPECT_EQ(servers[1].name, "t_manager_1_2");
  EXPECT_EQ(servers[1].volume, "db-t-manager-1-2-data");
  EXPECT_EQ(servers[1].node, "t-manager-1");
}

TEST(DbLayout, ServiceIsPinnedToItsNodeOnTheSharedAliasWithItsVolumeSecretAndScript) {
  auto server = db::plan_servers({node("dev-worker-2", drivers::Role::Worker)}, 1).front();
  json spec = db::service_spec(server, {.env = "dev",
                                        .image = "rethinkdb:2.4.4-bookworm-slim",
                                        .config_id = "cfg1",
                                        .config_name = db::start_config_name(),
                                        .secret_ids = {{"rsm-db-password", "sec1"}, {"rsm-db-cluster-ca", "ca1"}}});
  EXPECT_EQ(spec["Name"], "db-dev-worker-2");
  EXPECT_EQ(spec["Labels"]["rsm.env"], "dev");
  EXPECT_EQ(spec["Labels"]["rsm.component"], "db");
  EXPECT_TRUE(spec["Mode"].contains("Global"));
  EXPECT_EQ(spec["EndpointSpec"]["Mode"], "dnsrr");
  const json& task = spec["TaskTemplate"];
  EXPECT_EQ(task["Placement"]["Constraints"], json::array({"node.labels.rsm.node==dev-worker-2"}));
  EXPECT_EQ(task["Networks"], json::parse(R"([{"Target": "dbnet", "Aliases": ["db"]}])"));
  EXPECT_EQ(task["RestartPolicy"]["Condition"], "any");
  const json& container = task["ContainerSpec"];
  EXPECT_EQ(container["Hostname"], "db-dev-worker-2");
  EXPECT_EQ(container["Command"], json::array({"sh", "/rsm/start.sh"}));
  ASSERT_EQ(container["Mounts"].size(), 1u);
  EXPECT_EQ(container["Mounts"][0]["Source"], "db-dev-worker-2-data");
  EXPECT_EQ(container["Mounts"][0]["Target"], "/data");
  ASSERT_EQ(container["Secrets"].size(), 2u);
  EXPECT_EQ(container["Secrets"][0]["SecretName"], "rsm-db-cluster-ca");
  EXPECT_EQ(container["Secrets"][0]["SecretID"], "ca1");
  EXPECT_EQ(container["Secrets"][1]["File"]["Name"], "rsm-db-password");
  EXPECT_EQ(container["Secrets"][1]["File"]["Mode"], 0400);
  EXPECT_EQ(container["Configs"][0]["ConfigID"], "cfg1");
  EXPECT_EQ(container["Configs"][0]["File"]["Name"], "/rsm/start.sh");
  auto env = container["Env"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(env.begin(), env.end(), "RSM_SERVER_NAME=dev_worker_2"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "RSM_STANDALONE=0"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "RSM_CLUSTER_TLS=1"), env.end());
  // Nothing about the other servers: adding a node never restarts the existing ones.
  for (const auto& line : env) EXPECT_EQ(line.find("manager"), std::string::npos) << line;
}

TEST(DbLayout, StartScriptNameChangesWithTheScript) {
  EXPECT_EQ(db::start_config_name().rfind("rsm-db-start-", 0), 0u);
  EXPECT_EQ(db::start_config_name().size(), std::string("rsm-db-start-").size() + 32);
}
