// rsm.yaml: one small file that says what an environment is made of (nodes per role and
// driver, the database, the apps), for `rsm up` to converge to. Unknown keys are errors,
// so a typo never silently means "the default".
//
//   env: dev
//   nodes: {managers: 3, workers: 0, driver: local}     # one group; or a list of groups:
//   nodes:
//     - {driver: ssh, role: manager, hosts: [root@198.51.100.7], region: fra, ssh_key: ~/.ssh/id}
//     - {driver: ssh, role: worker, hosts: ['admin@203.0.113.9:2222'], region: nyc}
//     - {driver: digitalocean, managers: 1, region: sgp1, size: s-1vcpu-2gb}
//   db: {image: rethinkdb:2.4.4-bookworm-slim, servers_per_node: 1, replicas: 3,
//        backup: {every: 6h, keep: 14}}
//   apps:
//     - name: rethinkswarmmode
//       image: rethinkswarmmode:1
//       source: samples/rethinkswarmmode   # optional: rsm build makes the image first
//       replicas: 6
//       ports: [9090]
//       env: {PORT: "9090"}
//       secrets: [rsm-db-password]
//       health_cmd: /rethinkswarmmode healthcheck
//       timeout: 500ms                     # the edge proxy's wait for an answer (default 30s)
//   secrets:                               # the user's secrets (app/user_secrets.h)
//     api-key: {from_env: API_KEY}         # or {from_file: keys/api.txt}, beside the file
//
// ${VAR} and ${VAR:-default} in any value are replaced with the variable from the
// environment, else from a file .env beside rsm.yaml (KEY=VALUE lines); an unset
// variable without a default is an error naming it. $${ is a literal ${.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
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
  // A project to build the image from (rsm build: a Dockerfile's folder, CMake, Go),
  // relative to the file's folder.
  std::optional<std::filesystem::path> source;
  std::string target;                 // its executable target; empty: the folder's name
  std::vector<std::string> packages;  // Debian packages its build needs beyond the usual
};

struct EnvironmentFile {
  std::string env;
  // Each group says which machines there should be (not: to add): so many of each role
  // (local), or these hosts (ssh).
  std::vector<swarm::CreateRequest> node_groups;
  std::optional<db::CreateOptions> db;
  // db: backup: {every: 6h, keep: 14}; a schedule the file does not name is left as it is.
  struct BackupSchedule {
    std::chrono::seconds every{0};
    int keep = 14;
  };
  std::optional<BackupSchedule> backups;
  std::vector<AppEntry> apps;
  // Secret name -> value, read when the file is read (never printed).
  std::map<std::string, std::string> secrets;
};

// Where ${VAR} finds its value; nullopt when unset.
using Variables = std::function<std::optional<std::string>(const std::string& name)>;

// The process's environment, then the KEY=VALUE lines of `dotenv` if it exists.
Variables environment_variables(const std::filesystem::path& dotenv);

// Throws UsageError naming the file and what is wrong in it.
// Relative paths (source:, from_file:) are taken from the file's folder. Without
// `variables`, ${VAR} reads the process's environment only.
EnvironmentFile parse_environment_file(const std::string& text, const std::string& file_name,
                                       const Variables& variables = {});
EnvironmentFile read_environment_file(const std::string& path);

}  // namespace rsm::up
