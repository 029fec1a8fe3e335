// What `rsm up` would change, worked out before anything changes: the nodes to add (and
// those the file no longer names), the database's servers to create, update (with what
// differs) or remove, the backup schedule, each app, and with `prune` what goes. `up
// --plan` prints it and stops; `up` prints it, asks on a terminal, then converges.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "swarm/environment.h"
#include "up/environment_file.h"

namespace rsm::up {

struct PlannedChange {
  std::string kind;    // node, swarm, database, backups, secret, app
  std::string name;    // a node group ("2 managers, local"), a service, an app
  std::string action;  // create, update, remove, keep (not in the file, left as it is)
  std::vector<std::string> details;
};

struct Plan {
  std::string env;
  std::vector<PlannedChange> changes;  // everything that is not already as the file says
  bool changes_anything() const;
};

struct PruneOptions {
  bool prune = false;       // remove apps, nodes and the backup schedule the file does not name
  bool prune_data = false;  // with prune, a database the file does not name goes with its data
};

// Reads the environment (nothing is changed) and compares it with the file.
Plan make_plan(const EnvironmentFile& file, const PruneOptions& prune);

nlohmann::json to_json(const Plan& plan);

// What up needs from this machine comes first, so that a missing image stops it before
// anything is made (and before a plan is shown): for a new environment every image must
// be here or pullable (nodes that exist may hold images this machine lacks; loading them
// finds out).
void check_images(const EnvironmentFile& file, bool new_environment, engine::Client& host);

// The nodes no group of the file accounts for: past a group's count, the last made.
std::vector<drivers::Node> surplus_nodes(const std::vector<drivers::Node>& nodes,
                                         const std::vector<swarm::CreateRequest>& groups);

// What of the group is not there yet: hosts not adopted, or the count of a role short of
// the group's, counting the nodes of its driver (and region).
swarm::CreateRequest missing_nodes(const std::vector<drivers::Node>& nodes, const swarm::CreateRequest& group);

}  // namespace rsm::up
