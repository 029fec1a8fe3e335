// rsm up / rsm down on real local nodes: an environment from one file, a second up that
// changes nothing, and a down that leaves nothing. The database runs the stand-in image
// (no RethinkDB here), so the file says not to wait for a cluster.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;

namespace {

class Up : public EnvironmentTest {
 protected:
  void SetUp() override {
    env_ = unique_name("up");
    remove_environment(env_);
    engine::Client host(engine::Endpoint::from_environment());
    file_ = std::filesystem::temp_directory_path() / (env_ + ".yaml");
    std::ofstream(file_) << fmt::format(R"(env: {}
nodes: {{managers: 1, workers: 1}}
db: {{image: {}, wait: false}}
apps:
  - name: web
    image: {}
    replicas: 2
    ports: [8080]
)",
                                        env_, ensure_fake_rethinkdb_image(host), ensure_web_image(host, "1"));
  }
  void TearDown() override {
    EnvironmentTest::TearDown();
    std::filesystem::remove(file_);
  }

  std::filesystem::path file_;
};

}  // namespace

TEST_F(Up, MakesTheEnvironmentOnceThenChangesNothingAndDownLeavesNothing) {
  auto first = run_rsm({"up", "-f", file_.string()});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find(env_ + " is up in"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("2 node(s), 2 added"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("database: 2 server(s), 2 changed"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("app web (created); port 8080: rsm tunnel " + env_ + " 8080"), std::string::npos)
      << first.output;

  auto second = run_rsm({"up", "-f", file_.string(), "-q"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("2 node(s), 0 added"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("database: 2 server(s), 0 changed"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("app web (unchanged)"), std::string::npos) << second.output;
  auto as_json = run_rsm({"up", "-f", file_.string(), "-q", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.output;
  auto summary = nlohmann::json::parse(as_json.output);
  EXPECT_EQ(summary["env"], env_);
  EXPECT_EQ(summary["nodes"], 2);
  EXPECT_EQ(summary["db"]["servers"], 2);
  EXPECT_EQ(summary["apps"][0]["outcome"], "unchanged");
  EXPECT_EQ(summary["apps"][0]["urls"].size(), 2u) << summary.dump();

  EXPECT_EQ(run_rsm({"down", env_}).exit_code, 2) << "down without -f and no terminal";
  auto down = run_rsm({"down", env_, "-f"});
  ASSERT_EQ(down.exit_code, 0) << down.output;
  engine::Client host(engine::Endpoint::from_environment());
  EXPECT_TRUE(leftovers(host, env_).empty());
}

// The plan's changes as "ACTION KIND NAME" lines, sorted.
std::vector<std::string> planned(const nlohmann::json& plan) {
  std::vector<std::string> lines;
  for (const auto& change : plan["changes"])
    lines.push_back(fmt::format("{} {} {}", change["action"].get<std::string>(), change["kind"].get<std::string>(),
                                change["name"].get<std::string>()));
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(Up, APlanShowsWhatAnEditedFileChangesAndChangesNothingThenPruneAppliesIt) {
  engine::Client host(engine::Endpoint::from_environment());
  std::string web1 = ensure_web_image(host, "1"), web2 = ensure_web_image(host, "2");
  auto write = [&](const std::string& apps) {
    std::ofstream(file_) << fmt::format("env: {}\nnodes: {{managers: 1}}\ndb: {{image: {}, wait: false}}\napps:\n{}",
                                        env_, ensure_fake_rethinkdb_image(host), apps);
  };
  write(fmt::format(
      "  - {{name: web, image: {0}, replicas: 2, ports: [8080]}}\n  - {{name: api, image: {0}, replicas: 1}}\n", web1));
  auto plan = run_rsm({"up", "-f", file_.string(), "--plan", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_EQ(planned(nlohmann::json::parse(plan.output)),
            (std::vector<std::string>{"create app api", "create app web", "create database database",
                                      "create node 1 manager(s) (local)"}));
  EXPECT_TRUE(leftovers(host, env_).empty()) << "a plan makes nothing";
  auto up = run_rsm({"up", "-f", file_.string(), "-q"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  auto unchanged = run_rsm({"up", "-f", file_.string(), "--plan"});
  EXPECT_EQ(unchanged.exit_code, 0) << unchanged.output;
  EXPECT_EQ(unchanged.output, env_ + ": nothing to change\n");

  // Edited: web's image changes, api goes, extra comes.
  write(fmt::format(
      "  - {{name: web, image: {}, replicas: 2, ports: [8080]}}\n  - {{name: extra, image: {}, replicas: 1}}\n", web2,
      web1));
  auto edited = nlohmann::json::parse(run_rsm({"up", "-f", file_.string(), "--plan", "--json"}).output);
  EXPECT_EQ(planned(edited), (std::vector<std::string>{"create app extra", "keep app api", "update app web"}));
  for (const auto& change : edited["changes"])
    if (change["name"] == "web") {
      EXPECT_EQ(change["details"], nlohmann::json::array({"image: " + web1 + " -> " + web2}));
    }
  auto pruned_plan = nlohmann::json::parse(run_rsm({"up", "-f", file_.string(), "--plan", "--prune", "--json"}).output);
  EXPECT_EQ(planned(pruned_plan), (std::vector<std::string>{"create app extra", "remove app api", "update app web"}));
  auto before = nlohmann::json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
  ASSERT_EQ(before.size(), 2u) << before.dump();
  EXPECT_EQ(before[0]["name"], "api");
  EXPECT_EQ(before[1]["image"], web1) << "the plans changed nothing";

  auto pruned = run_rsm({"up", "-f", file_.string(), "--prune", "--json", "-q"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  EXPECT_EQ(nlohmann::json::parse(pruned.output)["removed"], nlohmann::json::array({"app api"}));
  auto after = nlohmann::json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
  ASSERT_EQ(after.size(), 2u) << after.dump();
  EXPECT_EQ(after[0]["name"], "extra");
  EXPECT_EQ(after[1]["image"], web2);
  EXPECT_EQ(run_rsm({"up", "-f", file_.string(), "--plan"}).output, env_ + ": nothing to change\n");
  EXPECT_EQ(run_rsm({"up", "-f", file_.string(), "--prune-data"}).exit_code, 2);
}

TEST_F(Up, AMissingImageStopsItBeforeAnythingIsMade) {
  std::ofstream(file_) << "env: " << env_ << "\nnodes: {managers: 1}\ndb: {image: rsm-test/nobody-has:404}\n";
  auto result = run_rsm({"up", "-f", file_.string()});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(
      result.output.rfind("rsm: error: image rsm-test/nobody-has:404 is not on this machine and cannot be pulled", 0),
      0u)
      << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  engine::Client host(engine::Endpoint::from_environment());
  EXPECT_TRUE(leftovers(host, env_).empty());
}

TEST_F(Up, ABadFileIsRefusedBeforeAnythingIsMade) {
  std::ofstream(file_) << "env: " << env_ << "\nnodes: {managers: 1, wrkers: 2}\n";
  auto result = run_rsm({"up", "-f", file_.string()});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(result.output, fmt::format("rsm: error: {}:2: unknown key 'wrkers' in nodes\n", file_.string()));
  engine::Client host(engine::Endpoint::from_environment());
  EXPECT_TRUE(leftovers(host, env_).empty());
  EXPECT_EQ(run_rsm({"up", "-f", "/nonexistent/rsm.yaml"}).exit_code, 2);
}
