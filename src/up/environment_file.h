// rsm.yaml: one small file that says what an environment is made of (nodes per role and
// driver, the database, the apps), for `rsm up` to converge to. Unknown keys are errors,
// so a typo never silently means "the default".
//
//   env: dev
//   nodes: {managers: 3, workers: 0, driver: local}
//   db: {image: rethinkdb:2.4.4-bookworm-slim, servers_per_node: 1, replicas: 3}
//   apps:
//     - name: rethinkswarmmode
//       image: rethinkswarmmode:1
//       source: samples/rethinkswarmmode   # optional: rsm build makes the image first
//       replicas: 6
//       ports: [9090]
//       env: {PORT: "9090"}
//       secrets: [rsm-db-password]
//       health_cmd: /rethinkswarmmode healthcheck
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/app_spec.h"
#include "db/cluster.h"
#include "swarm/environment.h"

namespace rsm::up {

struct AppEntry {
  app::DeployRequest request;
  std::optional<int> replicas;
  // A CMake project to build the image from (rsm build), relative to the file's folder.
  std::optional<std::filesystem::path> source;
  std::string target;  // its executable target; empty: the folder's name
};

struct EnvironmentFile {
  std::string env;
  swarm::CreateRequest nodes;  // how many of each role there should be (not: to add)
  std::optional<db::CreateOptions> db;
  std::vector<AppEntry> apps;
};

// Throws UsageError naming the file and what is wrong in it.
EnvironmentFile parse_environment_file(const std::string& text, const std::string& file_name);
EnvironmentFile read_environment_file(const std::string& path);

}  // namespace rsm::up
