// rsm status on a real local swarm: all well (exit 0, every part in the JSON; --watch
// redraws; bad input is one line), then an app task that stopped and cannot come back,
// then a stopped node, each named with the command that helps and exit 1. The database is
// the memory stand-in, which describes itself as a cluster of one server: a table short
// of replicas needs three real servers (RSM_TEST_RETHINKDB_IMAGE; skipped without one).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "engine/url.h"
#include "reql/connection.h"
#include "support/db_connection.h"
#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"
#include "util/poll.h"
#include "util/subprocess.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

namespace {

class Status : public EnvironmentTest {
 protected:
  void SetUp() override {
    env_ = unique_name("status");
    remove_environment(env_);
    engine::Client host(engine::Endpoint::from_environment());
    db_image_ = ensure_memory_rethinkdb_image(host, RSM_TEST_SERVER_BINARY);
    web_image_ = ensure_web_image(host, "1");
    file_ = std::filesystem::temp_directory_path() / (env_ + ".yaml");
  }
  void TearDown() override {
    EnvironmentTest::TearDown();
    std::filesystem::remove(file_);
  }

  // The memory stand-in is never waited for: it has no cluster to form.
  void write_file(int managers, int workers, const std::string& db_image, bool wait) {
    std::ofstream(file_) << fmt::format(R"(env: {}
nodes: {{managers: {}, workers: {}}}
db: {{image: {}, wait: {}}}
apps:
  - name: web
    image: {}
    replicas: 2
    ports: [8080]
  - name: api
    image: {}
    replicas: 1
)",
                                        env_, managers, workers, db_image, wait, web_image_, web_image_);
  }

  // `rsm status ENV --json` until `done` holds for it (60 s at most); the last one read.
  json status_until(const std::function<bool(const json&, int)>& done) {
    json read;
    int code = -1;
    std::string output;
    try {
      poll_until(
          std::chrono::seconds(60), std::chrono::milliseconds(500), [&] { return "status: " + output; },
          [&] {
            auto result = run_rsm({"status", env_, "--json"});
            output = result.output;
            code = result.exit_code;
            read = json::parse(result.output, nullptr, false);
            return !read.is_discarded() && done(read, code);
          });
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
    return read;
  }

  static bool has_problem(const json& status, const std::string& part) {
    for (const auto& problem : status["problems"])
      if (problem.get<std::string>().find(part) != std::string::npos) return true;
    return false;
  }

  std::string db_image_, web_image_;
  std::filesystem::path file_;
};

TEST_F(Status, SaysAllIsWellThenNamesAStoppedTaskAndAStoppedNodeWithWhatToRun) {
  write_file(1, 0, db_image_, false);
  auto up = run_rsm({"up", "-f", file_.string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;

  // All well: exit 0 and every part there.
  auto well = status_until([](const json& read, int code) { return code == 0 && read.value("well", false); });
  ASSERT_TRUE(well.value("well", false)) << well.dump(2);
  EXPECT_TRUE(well["problems"].empty());
  ASSERT_EQ(well["nodes"].size(), 1u);
  EXPECT_EQ(well["nodes"][0]["name"], node("manager", 1));
  EXPECT_EQ(well["managers"], json({{"all", 1}, {"reachable", 1}, {"quorum", true}}));
  ASSERT_TRUE(well["db"].is_object()) << well.dump(2);
  ASSERT_EQ(well["db"]["servers"].size(), 1u);
  EXPECT_TRUE(well["db"]["servers"][0].value("connected", false));
  ASSERT_EQ(well["apps"].size(), 2u);
  for (const auto& app : well["apps"]) EXPECT_EQ(app["running"], app["replicas"]) << app.dump();
  ASSERT_EQ(well["edge"].size(), 1u);
  EXPECT_TRUE(well["edge"][0].value("running", false));
  auto text = run_rsm({"status", env_});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("all is well"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("api"), std::string::npos) << text.output;
  auto watched = run_process({"timeout", "-s", "INT", "5", RSM_BINARY, "status", env_, "--watch"});
  size_t screens = 0;
  for (size_t at = 0; (at = watched.output.find("Ctrl-C to stop", at)) != std::string::npos; ++at) ++screens;
  EXPECT_GE(screens, 2u) << watched.output;
  auto both = run_rsm({"status", env_, "--json", "--watch"});
  EXPECT_EQ(both.exit_code, 2) << both.output;
  auto missing = run_rsm({"status", "no-such-env"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;  // a name of nothing: bad input
  EXPECT_EQ(std::count(missing.output.begin(), missing.output.end(), '\n'), 1) << missing.output;

  // A task of web stops, and the node has lost its image, so it cannot come back.
  {
    engine::Client manager(node_engine(env_, node("manager", 1)));
    manager.remove("/images/" + web_image_ + "?force=1");
    auto containers = manager.get("/containers/json?filters=" +
                                  engine::url_encode(R"({"label":["com.docker.swarm.service.name=web"]})"));
    ASSERT_FALSE(containers.empty());
    manager.post("/containers/" + containers[0].value("Id", "") + "/kill");
  }
  auto stopped_task =
      status_until([&](const json& read, int code) { return code == 1 && has_problem(read, "app web"); });
  EXPECT_TRUE(has_problem(stopped_task, "app web runs 1 of 2 tasks")) << stopped_task.dump(2);
  EXPECT_TRUE(has_problem(stopped_task, fmt::format("`rsm app ps {} web`", env_))) << stopped_task.dump(2);
  EXPECT_FALSE(has_problem(stopped_task, "app api")) << stopped_task.dump(2);
  text = run_rsm({"status", env_});
  EXPECT_EQ(text.exit_code, 1) << text.output;
  EXPECT_NE(text.output.find("problem(s):"), std::string::npos) << text.output;

  // A worker joins, then stops.
  write_file(1, 1, db_image_, false);
  up = run_rsm({"up", "-f", file_.string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  set_node_running(node("worker", 1), false);
  auto stopped_node = status_until([&](const json& read, int) { return has_problem(read, node("worker", 1)); });
  EXPECT_TRUE(has_problem(stopped_node, fmt::format("node {} is not running", node("worker", 1))))
      << stopped_node.dump(2);
  EXPECT_TRUE(has_problem(stopped_node, fmt::format("`rsm nodes start {}`", env_))) << stopped_node.dump(2);
  EXPECT_EQ(stopped_node["managers"]["quorum"], true);
}

TEST_F(Status, ATableShortOfReplicasIsNamedWithTheCommandThatMendsIt) {
  if (real_rethinkdb_image().empty()) GTEST_SKIP() << "no RethinkDB image to test with: set RSM_TEST_RETHINKDB_IMAGE";
  write_file(3, 0, real_rethinkdb_image(), true);
  auto up = run_rsm({"up", "-f", file_.string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  auto well = status_until([](const json& read, int code) { return code == 0 && read.value("well", false); });
  ASSERT_TRUE(well.value("well", false)) << well.dump(2);
  EXPECT_EQ(well["db"]["servers"].size(), 3u);
  {
    auto db = connect_to_db(env_);
    db.connection->run(reql::r.db_create("shop"));
    db.connection->run(reql::r.db("shop").table_create("orders"));  // one replica: RethinkDB's default
  }
  std::string hint = fmt::format("table shop.orders has 1 replica(s), 3 wanted: `rsm db replicate {}`", env_);
  auto short_of_replicas =
      status_until([&](const json& read, int code) { return code == 1 && has_problem(read, hint); });
  EXPECT_TRUE(has_problem(short_of_replicas, hint)) << short_of_replicas.dump(2);
  auto replicated = run_rsm({"db", "replicate", env_});
  ASSERT_EQ(replicated.exit_code, 0) << replicated.output;
  well = status_until([](const json& read, int code) { return code == 0 && read.value("well", false); });
  EXPECT_TRUE(well.value("well", false)) << well.dump(2);
}

}  // namespace
