// rsm db with a real RethinkDB image on a real local swarm of 3 managers: the cluster
// forms, every table gets 3 replicas, losing any one node (the first included) loses no
// data and no availability for long, and a node removed hands its replicas on first. RSM_TEST_RETHINKDB_IMAGE names the
// image (e.g. rethinkdb:2.4.4-bookworm-slim, on this machine's engine or pullable); without it these tests skip, saying
// so.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "engine/image_transfer.h"
#include "reql/connection.h"
#include "support/db_connection.h"
#include "support/environment_fixture.h"
#include "support/failover_writer.h"
#include "support/ports.h"
#include "support/rsm_runner.h"
#include "swarm/environment.h"
#include "swarm/formation.h"
#include "tunnel/forwarder.h"
#include "tunnel/relay.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;
using reql::r;

namespace {

constexpr int kDocuments = 10000;

class DbReal : public EnvironmentTest {
 protected:
  void SetUp() override {
    if (real_rethinkdb_image().empty()) GTEST_SKIP() << "no RethinkDB image to test with: set RSM_TEST_RETHINKDB_IMAGE";
    make_environment("dbha", 3, 0);
  }

  bool status_ready() {
    auto status = run_rsm({"db", "status", env_, "--json"});
    return status.exit_code == 0;
  }

  // Writes and then counts through whatever servers are up; true once both work.
  bool writable_with_every_document(const std::string& marker) {
    try {
      auto db = connect_to_db(env_);
      db.connection->run(r.db("ha").table("docs").insert(r.document({{"id", marker}})));
      auto count = db.connection->run(r.db("ha").table("docs").count()).value().get<long>();
      return count >= kDocuments;
    } catch (const std::exception&) {
      return false;
    }
  }
};

}  // namespace

TEST_F(DbReal, ThreeNodeClusterSurvivesLosingAnyOneNode) {
  auto created = run_rsm({"db", "create", env_, "--image", real_rethinkdb_image()});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto status = run_rsm({"db", "status", env_, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  auto report = json::parse(status.output);
  EXPECT_EQ(report["servers"].size(), 3u);
  for (const auto& server : report["servers"]) EXPECT_EQ(server["peers"], 2) << server.dump();

  {
    auto db = connect_to_db(env_);
    db.connection->run(r.db_create("ha"));
    db.connection->run(r.db("ha").table_create("docs"));
    for (int batch = 0; batch < kDocuments / 1000; ++batch) {
      json rows = json::array();
      for (int i = 0; i < 1000; ++i) rows.push_back({{"id", batch * 1000 + i}, {"n", i}});
      db.connection->run(r.db("ha").table("docs").insert(rows));
    }
  }
  // The new table has one replica until rsm spreads it over three servers.
  EXPECT_EQ(run_rsm({"db", "status", env_}).exit_code, 1);
  auto replicated = run_rsm({"db", "replicate", env_});
  ASSERT_EQ(replicated.exit_code, 0) << replicated.output;
  ASSERT_TRUE(status_ready());

  for (int index = 1; index <= 3; ++index) {
    std::string lost = node("manager", index);
    SCOPED_TRACE("stopping " + lost);
    set_node_running(lost, false);
    auto stopped_at = std::chrono::steady_clock::now();
    bool writable = false;
    while (!writable && std::chrono::steady_clock::now() - stopped_at < std::chrono::seconds(30)) {
      writable = writable_with_every_document(fmt::format("while-{}-down", lost));
      if (!writable) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    EXPECT_TRUE(writable) << "not readable and writable with all documents within 30 s of losing " << lost;

    set_node_running(lost, true);
    bool back = false;
    auto started_at = std::chrono::steady_clock::now();
    while (!back && std::chrono::steady_clock::now() - started_at < std::chrono::seconds(120)) {
      back = status_ready();
      if (!back) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    ASSERT_TRUE(back) << "the cluster was not fully ready within 120 s of " << lost
                      << " coming back: " << run_rsm({"db", "status", env_}).output;
  }
}

TEST_F(DbReal, SetsTheHeartbeatItIsGivenOrOneForItsNetwork) {
  auto heartbeat = [&] {
    auto db = connect_to_db(env_);
    return db.connection->run(r.db("rethinkdb").table("cluster_config").get("heartbeat"))
        .value()
        .at("heartbeat_timeout_secs");
  };
  auto created = run_rsm({"db", "create", env_, "--image", real_rethinkdb_image(), "--heartbeat", "7"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(heartbeat(), 7);
  auto again = run_rsm({"db", "create", env_, "--image", real_rethinkdb_image()});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(heartbeat(), 3) << "local nodes share one network";
  EXPECT_NE(again.output.find("a silent server counts as gone after 3 s"), std::string::npos) << again.output;
  auto unchanged = run_rsm({"db", "create", env_, "--image", real_rethinkdb_image()});
  EXPECT_EQ(unchanged.output.find("counts as gone"), std::string::npos) << "nothing to change: " << unchanged.output;
}

TEST_F(DbReal, AdminAnswersThroughTheTunnel) {
  ASSERT_EQ(run_rsm({"db", "create", env_, "--image", real_rethinkdb_image()}).exit_code, 0);
  int port = free_port();
  auto served = fetch_through_rsm({"db", "admin", env_, "--port", std::to_string(port)}, port, "RethinkDB");
  EXPECT_NE(served.page.find("RethinkDB"), std::string::npos) << served.page;
  EXPECT_EQ(served.exit_code, 0);
}

TEST_F(DbReal, RemovingANodeHandsItsReplicasToTheOthersAndLosesNoWrite) {
  ASSERT_EQ(run_rsm({"nodes", "create", env_, "-w", "1", "-q"}).exit_code, 0);
  auto created = run_rsm({"db", "create", env_, "--image", real_rethinkdb_image()});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  // 3 replicas on 4 servers; the node of the primary replica goes.
  std::string leaving = make_failover_table(env_, "drill", "writes");
  std::string writing_through = leaving == node("worker", 1) ? node("manager", 1) : node("worker", 1);
  FailoverWriter writer(env_, writing_through, "drill", "writes");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto removed = run_rsm({"nodes", "rm", env_, leaving, "-f", "--json"});
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto written = writer.stop();
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(json::parse(removed.output.substr(removed.output.find('{')))["db_servers"].size(), 1u) << removed.output;
  auto lost = writer.missing(written);
  EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged writes lost, the first: " << lost.front();
  EXPECT_FALSE(written.acknowledged.empty()) << written.first_failure;
  std::cout << fmt::format("removing {}: writes {} acknowledged, {} given up, longest gap {} ms\n", leaving,
                           written.acknowledged.size(), written.failed, written.longest_gap.count());

  EXPECT_TRUE(status_ready()) << run_rsm({"db", "status", env_}).output;
  std::string gone = leaving;
  std::replace(gone.begin(), gone.end(), '-', '_');
  auto db = connect_to_db(env_);
  auto config = db.connection->run(r.db("drill").table("writes").config()).value();
  EXPECT_EQ(config["shards"][0]["replicas"].size(), 3u) << config.dump();
  for (const auto& replica : config["shards"][0]["replicas"]) EXPECT_NE(replica, gone) << config.dump();
}
