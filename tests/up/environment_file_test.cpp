// rsm.yaml: what `rsm up` reads, and the one-line errors for what it refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "up/environment_file.h"
#include "util/error.h"

using rsm::up::parse_environment_file;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_environment_file(text, "rsm.yaml");
  } catch (const rsm::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(EnvironmentFile, ReadsNodesDatabaseAndApps) {
  auto file = parse_environment_file(R"(
env: dev
nodes: {managers: 3, workers: 1}
db: {image: rethinkdb:2.4.4-bookworm-slim, replicas: 3}
apps:
  - name: rethinkswarmmode
    image: rethinkswarmmode:1
    source: samples/rethinkswarmmode
    replicas: 6
    ports: [9090]
    env: {PORT: "9090", RETHINKDB_HOSTS: "db:28015"}
    secrets: [rsm-db-password]
    health_cmd: /rethinkswarmmode healthcheck
)",
                                     "config/rsm.yaml");
  EXPECT_EQ(file.env, "dev");
  EXPECT_EQ(file.nodes.managers, 3);
  EXPECT_EQ(file.nodes.workers, 1);
  EXPECT_EQ(file.nodes.driver, "local");
  ASSERT_TRUE(file.db.has_value());
  EXPECT_EQ(file.db->image, "rethinkdb:2.4.4-bookworm-slim");
  EXPECT_EQ(file.db->replicas, 3);
  EXPECT_TRUE(file.db->wait);
  ASSERT_EQ(file.apps.size(), 1u);
  const auto& app = file.apps[0];
  EXPECT_EQ(app.request.name, "rethinkswarmmode");
  EXPECT_EQ(app.replicas, 6);
  EXPECT_EQ(app.request.ports, std::vector<int>{9090});
  EXPECT_EQ(app.request.variables, (std::vector<std::string>{"PORT=9090", "RETHINKDB_HOSTS=db:28015"}));
  EXPECT_EQ(app.request.secrets, std::vector<std::string>{"rsm-db-password"});
  EXPECT_EQ(app.request.health_command, (std::vector<std::string>{"/rethinkswarmmode", "healthcheck"}));
  EXPECT_EQ(app.source, std::filesystem::path("config/samples/rethinkswarmmode")) << "relative to the file";
  EXPECT_EQ(app.target, "");
}

TEST(EnvironmentFile, DefaultsToOneManagerAndNoDatabase) {
  auto file = parse_environment_file("env: tst\n", "rsm.yaml");
  EXPECT_EQ(file.nodes.managers, 1);
  EXPECT_EQ(file.nodes.workers, 0);
  EXPECT_FALSE(file.db.has_value());
  EXPECT_TRUE(file.apps.empty());
  EXPECT_TRUE(parse_environment_file("env: tst\ndb:\n", "rsm.yaml").db.has_value());
}

TEST(EnvironmentFile, RefusesWhatItDoesNotKnowNamingTheLine) {
  EXPECT_EQ(error_of("env: dev\nnodes: {managers: 3, workrs: 1}\n"), "rsm.yaml:2: unknown key 'workrs' in nodes");
  EXPECT_EQ(error_of("env: dev\nnodes: {managers: lots}\n"), "rsm.yaml:2: managers has the wrong type");
  EXPECT_EQ(error_of("apps:\n  - name: web\n"), "rsm.yaml:2: every app needs a name and an image");
  EXPECT_EQ(error_of("apps:\n  - {name: Web_1, image: x}\n"),
            "rsm.yaml:2: invalid app name 'Web_1': use a-z, 0-9 and '-', starting with a letter");
  EXPECT_EQ(error_of("nodes: {managers: 0}\n"), "rsm.yaml:1: an environment needs at least one manager");
  EXPECT_NE(error_of("env: [unclosed\n").find("rsm.yaml:"), std::string::npos);
}

TEST(EnvironmentFile, NamesTheKeysTheUserWroteNotTheFlags) {
  EXPECT_EQ(error_of("db:\n  image: x\n  servers_per_node: 0\n"), "rsm.yaml:3: servers_per_node takes 1 to 9");
  EXPECT_EQ(error_of("db: {replicas: -1}\n"), "rsm.yaml:1: replicas takes 1 to 9");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, replicas: -2}\n"), "rsm.yaml:2: replicas: cannot be negative");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, ports: [0]}\n"), "rsm.yaml:2: invalid port 0 in ports:");
}

TEST(EnvironmentFile, TheSampleFileInTheRepositoryReads) {
  auto file = rsm::up::read_environment_file(std::string(RSM_SOURCE_DIR) + "/rsm.yaml");
  EXPECT_EQ(file.nodes.managers, 3);
  ASSERT_EQ(file.apps.size(), 1u);
  EXPECT_EQ(file.apps[0].replicas, 6);
  EXPECT_EQ(file.apps[0].request.ports, std::vector<int>{9090});
  ASSERT_TRUE(file.apps[0].source.has_value()) << "the sample app is built from this repository";
  EXPECT_TRUE(std::filesystem::exists(*file.apps[0].source / "CMakeLists.txt"));
}
