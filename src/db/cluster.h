// `rsm db`: the RethinkDB cluster of an environment, built from swarm objects (see
// layout.h) through a manager's engine. Nothing about it is stored by rsm: the swarm's
// services, secret and volumes are the record.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/layout.h"
#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::db {

struct CreateOptions {
  std::string image = kDefaultImage;
  int servers_per_node = 1;
};

struct CreateResult {
  std::vector<Server> servers;
  std::vector<std::string> created, updated, unchanged;  // service names
  std::vector<std::string> removed;                      // services of nodes that are gone
  std::vector<std::string> waiting;                      // servers on stopped nodes
};

class Cluster {
 public:
  Cluster(swarm::Environment& env, Progress& progress);

  // Makes or re-applies the cluster's network, secret, start script and one service per
  // server, and waits until the server of every running node runs. Never touches data.
  CreateResult create(const CreateOptions& options);

  // Removes the services, start scripts and network; with keep_data, the volumes and the
  // password (which the data needs) stay for a later create.
  void remove(bool keep_data);

  // The admin password, read back from a running server (a secret cannot be read through
  // the API).
  std::string password();

  // The servers' logs, each line prefixed with its server when there are several.
  void logs(const std::string& server, bool follow, const std::function<void(std::string_view)>& output);

  // The services of the cluster as the swarm has them.
  engine::json services();

 private:
  drivers::Node manager();
  void wait_until_running(engine::Client& manager, const std::vector<Server>& servers);

  swarm::Environment& env_;
  Progress& progress_;
  std::vector<drivers::Node> nodes_;
};

}  // namespace rsm::db
