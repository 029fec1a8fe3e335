// rsm db status's report, made from what a real 3-server RethinkDB 2.4.4 cluster answered
// (../shared/fixtures/reql/cluster): healthy, and with one server down.
#include <gtest/gtest.h>

#include <fstream>

#include "db/status.h"
#include "support/fixtures.h"

using namespace rsm;
using nlohmann::json;

namespace {

// The system tables as recorded in one phase of the cluster run.
db::SystemTables recorded(const std::filesystem::path& fixtures, const std::string& phase) {
  db::SystemTables tables;
  std::ifstream lines(fixtures / "cluster" / (phase + ".jsonl"));
  for (std::string line; std::getline(lines, line);) {
    json entry = json::parse(line);
    json rows = json::parse(entry["responses"][0].get<std::string>())["r"][0];
    std::string name = entry["name"];
    if (name == "server_status") tables.server_status = rows;
    if (name == "table_status") tables.table_status = rows;
    if (name == "table_config") tables.table_config = rows;
    if (name == "current_issues") tables.current_issues = rows;
  }
  return tables;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

}  // namespace

TEST(DbStatus, HealthyClusterIsReadyExceptForItsSingleReplicaTable) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  auto report = db::make_report(recorded(fixtures, "1_healthy"), {{"s1", "n1"}, {"s2", "n2"}, {"s3", "n3"}}, 3, "dev");
  ASSERT_EQ(report.servers.size(), 3u);
  for (const auto& server : report.servers) {
    EXPECT_TRUE(server.connected) << server.name;
    EXPECT_EQ(server.peers, 2) << server.name;
    EXPECT_NE(server.version.find("2.4.4"), std::string::npos);
    EXPECT_GT(server.started, 1.7e9);
  }
  ASSERT_EQ(report.tables.size(), 2u);
  EXPECT_EQ(report.tables[0].name, "r1");
  EXPECT_EQ(report.tables[0].replicas, 1);
  EXPECT_EQ(report.tables[1].replicas, 3);
  EXPECT_TRUE(report.tables[1].all_replicas_ready);
  // r1 was made with the default single replica: the one thing to fix, with the fix named.
  ASSERT_EQ(report.problems.size(), 1u) << report.problems[0];
  EXPECT_NE(report.problems[0].find("table cl.r1 has 1 replica(s), 3 wanted: `rsm db replicate dev`"),
            std::string::npos)
      << report.problems[0];
  EXPECT_FALSE(report.ready());
}

TEST(DbStatus, ServerDownIsMissingAndItsTablesAreNotReady) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  auto report = db::make_report(recorded(fixtures, "2b_s3_down_after_heartbeat"),
                                {{"s1", "n1"}, {"s2", "n2"}, {"s3", "n3"}}, 3, "dev");
  ASSERT_EQ(report.servers.size(), 3u);
  EXPECT_FALSE(report.servers[2].connected);
  EXPECT_EQ(report.servers[2].name, "s3");
  EXPECT_EQ(report.servers[2].node, "n3");
  EXPECT_EQ(report.servers[0].node, "n1");
  EXPECT_TRUE(mentions(report.problems, "server s3 is not connected; see `rsm db logs dev s3`"));
  EXPECT_TRUE(mentions(report.problems, "table cl.r1 does not take writes"));
  EXPECT_TRUE(mentions(report.problems, "table cl.r3 has replicas that are not ready"));
  EXPECT_EQ(report.issues.size(), 2u);
  EXPECT_TRUE(mentions(report.issues, "Table `cl.r1` is not available for any operations"));

  json out = db::to_json(report);
  EXPECT_FALSE(out["ready"].get<bool>());
  EXPECT_EQ(out["servers"].size(), 3u);
}

TEST(DbStatus, DefaultReplicasAreThreeAtMost) {
  EXPECT_EQ(db::default_replicas(1), 1);
  EXPECT_EQ(db::default_replicas(2), 2);
  EXPECT_EQ(db::default_replicas(3), 3);
  EXPECT_EQ(db::default_replicas(7), 3);
}
