// Where the RethinkDB servers of an environment run and what each one's service looks
// like. Every server is its own swarm service pinned to one node, with its own volume
// there, so a server never starts elsewhere with an empty volume (a new identity). All
// of them sit on the attachable overlay network `dbnet` under the shared alias `db`,
// through which clients reach the live ones (db:28015) and new servers find their peers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/node.h"
#include "swarm/labels.h"

namespace rsm::db {

inline constexpr const char* kNetwork = "dbnet";
inline constexpr const char* kAlias = "db";
inline constexpr const char* kPasswordSecret = "rsm-db-password";
// Cluster TLS (see cluster_tls.h), each a secret, mounted under /run/secrets/.
inline constexpr const char* kClusterCaSecret = "rsm-db-cluster-ca";
inline constexpr const char* kClusterCertSecret = "rsm-db-cluster-cert";
inline constexpr const char* kClusterKeySecret = "rsm-db-cluster-key";
inline constexpr const char* kDefaultImage = "rethinkdb:2.4.4-bookworm-slim";
inline constexpr int kDriverPort = 28015;
inline constexpr int kHttpPort = 8080;
// The rsm.component label of everything `rsm db` makes, so that `rsm db rm` finds it all.
inline constexpr const char* kComponent = "db";
// Service labels: the server's RethinkDB name, its node, and the replicas per table asked for at
// create (RethinkDB keeps no intended count; changing a service's own labels restarts nothing).
inline constexpr const char* kServerLabel = "rsm.db.server";
inline constexpr const char* kNodeLabel = swarm::kNodeLabel;
inline constexpr const char* kReplicasLabel = "rsm.db.replicas";

struct Server {
  std::string service;  // "db-dev-manager-1", "db-dev-manager-1-2" for a node's second server
  std::string name;     // "dev_manager_1": RethinkDB allows only [A-Za-z0-9_] in names
  std::string node;     // the node it is pinned to
  std::string volume;   // "db-dev-manager-1-data", on that node
  std::vector<std::string> tags;
};

// The labels of everything `rsm db` makes for the environment, as objects carry them and
// as list filters take them.
nlohmann::json cluster_labels(const std::string& env);
std::vector<std::string> cluster_filters(const std::string& env);

// per_node servers on each node, in the nodes' order.
std::vector<Server> plan_servers(const std::vector<drivers::Node>& nodes, int per_node);

// What the services refer to, made before them.
struct ServiceInputs {
  std::string env;
  std::string image;
  std::string config_id;
  std::string config_name;
  std::map<std::string, std::string> secret_ids;  // secret name -> ID: the password and cluster TLS
  bool standalone = false;                        // the cluster has this one server only
  int replicas = 0;                               // the replicas per table the user asked for; 0: the default
};

nlohmann::json service_spec(const Server& server, const ServiceInputs& inputs);

// "rsm-db-start-<hash of the script>": configs cannot change, so a new script is a new name.
std::string start_config_name();

}  // namespace rsm::db
