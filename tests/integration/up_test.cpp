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

#include "engine/exec.h"
#include "engine/url.h"
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

TEST_F(Up, PruneRemovesTheNodesTheFileNoLongerNames) {
  engine::Client host(engine::Endpoint::from_environment());
  auto write = [&](int workers) {
    std::ofstream(file_) << fmt::format(
        "env: {}\nnodes: {{managers: 1, workers: {}}}\napps:\n  - {{name: api, image: {}, replicas: 2}}\n", env_,
        workers, ensure_web_image(host, "1"));
  };
  write(2);
  auto up = run_rsm({"up", "-f", file_.string(), "-q"});
  ASSERT_EQ(up.exit_code, 0) << up.output;

  write(1);
  auto kept = nlohmann::json::parse(run_rsm({"up", "-f", file_.string(), "--plan", "--json"}).output);
  EXPECT_EQ(planned(kept), (std::vector<std::string>{"keep node " + env_ + "-worker-2"}));
  auto plan = nlohmann::json::parse(run_rsm({"up", "-f", file_.string(), "--plan", "--prune", "--json"}).output);
  EXPECT_EQ(planned(plan), (std::vector<std::string>{"remove node " + env_ + "-worker-2"}));
  EXPECT_EQ(nlohmann::json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output).size(), 3u)
      << "a plan changes nothing";

  auto pruned = run_rsm({"up", "-f", file_.string(), "--prune", "--json", "-q"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  auto summary = nlohmann::json::parse(pruned.output);
  EXPECT_EQ(summary["removed"], nlohmann::json::array({"node " + env_ + "-worker-2"}));
  EXPECT_EQ(summary["nodes"], 2);
  EXPECT_EQ(nlohmann::json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output).size(), 2u);
  auto apps = nlohmann::json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0]["running"], 2) << apps.dump();
  EXPECT_EQ(run_rsm({"up", "-f", file_.string(), "--plan", "--prune"}).output, env_ + ": nothing to change\n");
}

// What `cat /run/secrets/NAME` prints in a running task of web.
std::string mounted(const std::string& env, const std::string& node_name, const std::string& name) {
  engine::Client node(node_engine(env, node_name));
  auto containers =
      node.get("/containers/json?filters=" + engine::url_encode(R"({"label":["com.docker.swarm.service.name=web"]})"));
  if (containers.empty()) return "(no task of web)";
  std::string output;
  engine::exec_in_container(node, containers[0].value("Id", ""), {"cat", "/run/secrets/" + name},
                            [&](engine::StreamKind, std::string_view chunk) { output.append(chunk); });
  return output;
}

TEST_F(Up, SecretsFromAFileAVariableAndStdinReachTheAppAndAreNeverPrinted) {
  const std::string from_file = "file-s3cret-7f1c", from_env = "env-s3cret-92ab", from_stdin = "stdin-s3cret-e03d",
                    rotated = "stdin-s3cret-rotated-55aa";
  engine::Client host(engine::Endpoint::from_environment());
  auto key_file = file_.parent_path() / (env_ + "-key.txt");
  std::ofstream(key_file) << from_file;
  auto write = [&](const std::string& app_secrets, const std::string& more_secrets = "") {
    std::ofstream(file_) << fmt::format(R"(env: {}
nodes: {{managers: 1}}
db: {{image: {}, wait: false}}
secrets:
  file-key: {{from_file: {}}}
  env-key: {{from_env: RSM_TEST_SECRET}}
{}apps:
  - name: web
    image: ${{RSM_TEST_WEB_IMAGE}}
    replicas: 1
    secrets: [{}]
)",
                                        env_, ensure_fake_rethinkdb_image(host), key_file.filename().string(),
                                        more_secrets, app_secrets);
  };
  std::map<std::string, std::string> variables{{"RSM_TEST_SECRET", from_env},
                                               {"RSM_TEST_WEB_IMAGE", ensure_web_image(host, "1")}};
  std::string printed;  // everything rsm printed, searched for the values at the end
  auto rsm = [&](const std::vector<std::string>& args) {
    auto result = run_rsm(args, variables);
    printed += result.output;
    return result;
  };
  auto piped = [&](const std::string& value, const std::vector<std::string>& args) {
    std::string command = fmt::format("printf '%s\\n' '{}' | {}", value, RSM_BINARY);
    for (const auto& arg : args) command += " " + arg;
    auto result = run_process({"sh", "-c", command});
    printed += result.output;
    return result;
  };

  write("file-key, env-key");
  auto up = rsm({"up", "-f", file_.string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(mounted(env_, node("manager", 1), "file-key"), from_file);
  EXPECT_EQ(mounted(env_, node("manager", 1), "env-key"), from_env);

  auto set = piped(from_stdin, {"secret", "set", env_, "stdin-key", "--json"});
  ASSERT_EQ(set.exit_code, 0) << set.output;
  EXPECT_EQ(nlohmann::json::parse(set.output)["changed"], true);
  write("file-key, env-key, stdin-key");
  ASSERT_EQ(rsm({"up", "-f", file_.string(), "-q"}).exit_code, 0);
  EXPECT_EQ(mounted(env_, node("manager", 1), "stdin-key"), from_stdin) << "one newline of stdin is no part of it";

  // A new value rolls out to the app; the same value again changes nothing.
  auto rotation = piped(rotated, {"secret", "set", env_, "stdin-key", "--json"});
  ASSERT_EQ(rotation.exit_code, 0) << rotation.output;
  EXPECT_EQ(nlohmann::json::parse(rotation.output)["redeployed"], nlohmann::json::array({"web"}));
  EXPECT_EQ(mounted(env_, node("manager", 1), "stdin-key"), rotated);
  auto again = piped(rotated, {"secret", "set", env_, "stdin-key", "--json"});
  EXPECT_EQ(nlohmann::json::parse(again.output)["changed"], false) << again.output;

  // A variable's new value: the plan says so, up rolls it out.
  variables["RSM_TEST_SECRET"] = from_env + "-2";
  auto plan = rsm({"up", "-f", file_.string(), "--plan", "--json"});
  auto changes = nlohmann::json::parse(plan.output)["changes"];
  ASSERT_EQ(changes.size(), 1u) << plan.output;
  EXPECT_EQ(changes[0]["kind"], "secret");
  EXPECT_EQ(changes[0]["name"], "env-key");
  EXPECT_EQ(changes[0]["action"], "update");
  ASSERT_EQ(rsm({"up", "-f", file_.string(), "--json", "-q"}).exit_code, 0);
  EXPECT_EQ(mounted(env_, node("manager", 1), "env-key"), from_env + "-2");

  // A secret the file adds, mounted by the app: planned before it exists.
  write("file-key, env-key, stdin-key, later-key", "  later-key: {from_env: RSM_TEST_SECRET}\n");
  auto later = rsm({"up", "-f", file_.string(), "--plan", "--json"});
  ASSERT_EQ(later.exit_code, 0) << later.output;
  std::vector<std::string> kinds;
  auto later_plan = nlohmann::json::parse(later.output);  // kept: a loop over a temporary's member is undefined
  for (const auto& change : later_plan["changes"])
    kinds.push_back(change["action"].get<std::string>() + " " + change["name"].get<std::string>());
  EXPECT_EQ(kinds, (std::vector<std::string>{"create later-key", "update web"})) << later.output;

  auto listed = rsm({"secret", "ls", env_, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  auto rows = nlohmann::json::parse(listed.output);
  ASSERT_EQ(rows.size(), 3u) << listed.output;
  for (const auto& row : rows) EXPECT_EQ(row["used_by"], nlohmann::json::array({"web"})) << row.dump();
  EXPECT_EQ(rsm({"secret", "rm", env_, "stdin-key", "-f"}).exit_code, 2) << "web mounts it";
  rsm({"secret", "ls", env_});
  rsm({"app", "ls", env_, "--json"});
  rsm({"status", env_, "--json"});

  for (const auto& value : {from_file, from_env, from_stdin, rotated, from_env + "-2"})
    EXPECT_EQ(printed.find(value), std::string::npos) << value << " was printed:\n" << printed;
  std::filesystem::remove(key_file);
}

TEST_F(Up, AnUnsetVariableIsOneLineNamingIt) {
  std::ofstream(file_) << "env: " << env_
                       << "\nnodes: {managers: 1}\napps:\n  - name: web\n    image: ${RSM_TEST_UNSET}\n";
  auto result = run_rsm({"up", "-f", file_.string(), "--plan"}, {{"RSM_TEST_UNSET", ""}});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(result.output, fmt::format("rsm: error: {}:5: ${{RSM_TEST_UNSET}} is not set (in the environment nor in "
                                       ".env); set it, or write ${{RSM_TEST_UNSET:-DEFAULT}}\n",
                                       file_.string()));
}

TEST_F(Up, StoppedMachinesArePlannedAndStartedByUp) {
  auto first = run_rsm({"up", "-f", file_.string(), "-q"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_EQ(run_rsm({"nodes", "stop", env_}).exit_code, 0);
  auto plan = run_rsm({"up", "-f", file_.string(), "--plan"});
  EXPECT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_NE(plan.output.find(node("manager", 1) + ": stopped: up starts it"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("no manager answers yet"), std::string::npos) << plan.output;
  auto again = run_rsm({"up", "-f", file_.string(), "-q", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(nlohmann::json::parse(again.output)["apps"][0]["outcome"], "unchanged");
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
