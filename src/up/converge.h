// `rsm up` and `rsm down`: an environment made to match its file, changing only what
// differs (missing nodes are added, the database and apps are re-applied, which leaves
// whatever is already as wanted untouched).
#pragma once

#include <string>
#include <vector>

#include "up/environment_file.h"
#include "up/plan.h"
#include "util/progress.h"

namespace rsm::up {

struct UpSummary {
  int nodes = 0;
  int nodes_added = 0;
  int db_servers = 0;
  std::vector<std::string> db_changed;  // services created, updated or removed
  struct App {
    std::string name;
    std::string outcome;  // created, updated, unchanged
    std::vector<int> ports;
    std::vector<std::string> urls;    // the ports on every node, through the edge proxy
    std::vector<std::string> routes;  // http://HOST/PATH/ for each of its host names
  };
  std::vector<App> apps;
  std::vector<std::string> secrets_changed;  // set or given a new value
  std::vector<std::string> removed;          // with prune: "app NAME", "backups", "database", "node NAME"
};

// With prune (plan.h), also removes what the file does not name.
UpSummary up(const EnvironmentFile& file, const PruneOptions& prune, Progress& progress);

// Removes every machine of the environment with everything on it.
void down(const std::string& env, Progress& progress);

}  // namespace rsm::up
