// What `rsm db status` reports, made from the cluster's own system tables (db
// `rethinkdb`): which servers are connected, how every table is replicated and whether it
// is ready, and the cluster's current issues. Kept apart from the queries so that it can
// be checked against what a real server answered.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rsm::db {

struct ServerState {
  std::string name;
  bool connected = false;
  std::string node;      // the node its service is pinned to
  std::string hostname;  // the container's (its service's name)
  std::string version;
  std::vector<std::string> tags;
  double started = 0;  // seconds since the epoch; 0 when not connected
  int peers = 0;       // servers it is connected to
};

struct TableState {
  std::string db;
  std::string name;
  int replicas = 0;  // per shard, as configured; 0 when the configuration is unreadable
  int shards = 0;
  bool ready_for_writes = false;
  bool all_replicas_ready = false;
};

struct StatusReport {
  std::vector<ServerState> servers;
  std::vector<TableState> tables;
  std::vector<std::string> issues;    // the cluster's own descriptions
  std::vector<std::string> problems;  // what keeps the cluster from being fully ready, with the fix
  nlohmann::json backups;             // the scheduled backups (db/backup/schedule.h); null when none
  bool ready() const { return problems.empty(); }
};

struct SystemTables {
  nlohmann::json server_status = nlohmann::json::array();
  nlohmann::json server_config = nlohmann::json::array();
  nlohmann::json table_config = nlohmann::json::array();
  nlohmann::json table_status = nlohmann::json::array();
  nlohmann::json current_issues = nlohmann::json::array();
};

// expected_servers: server name -> node, for every server rsm made (one per service);
// wanted_replicas: what every table should have (min(3, servers) unless the user chose).
StatusReport make_report(const SystemTables& tables, const std::map<std::string, std::string>& expected_servers,
                         int wanted_replicas, const std::string& env);

nlohmann::json to_json(const StatusReport& report);

// How many servers a server_status row is connected to.
int connected_peers(const nlohmann::json& server_status_row);

// min(3, servers): three replicas let a table lose one and keep a majority.
int default_replicas(int servers);

}  // namespace rsm::db
