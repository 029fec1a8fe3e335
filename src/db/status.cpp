// The report made from the system tables' rows: each expected server, each table's
// replicas and readiness, and what to run about each problem.
#include "db/status.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace rsm::db {

using nlohmann::json;

namespace {

double epoch_seconds(const json& time) {
  if (time.is_number()) return time.get<double>();
  if (time.is_object() && time.contains("epoch_time")) return time["epoch_time"].get<double>();
  return 0;
}

}  // namespace

int connected_peers(const json& server_status_row) {
  json peers = server_status_row["network"].value("connected_to", json::object());  // items() needs it alive
  int count = 0;
  for (const auto& [name, up] : peers.items()) count += up.is_boolean() && up.get<bool>();
  return count;
}

int default_replicas(int servers) { return std::clamp(servers, 1, 3); }

StatusReport make_report(const SystemTables& tables, const std::map<std::string, std::string>& expected_servers,
                         int wanted_replicas, const std::string& env) {
  StatusReport report;
  std::map<std::string, std::vector<std::string>> tags;
  for (const auto& row : tables.server_config)
    tags[row.value("name", "")] = row.value("tags", std::vector<std::string>{});

  std::set<std::string> connected;
  for (const auto& row : tables.server_status) {
    ServerState server;
    server.name = row.value("name", "");
    server.connected = true;
    server.hostname = row["network"].value("hostname", "");
    if (auto it = expected_servers.find(server.name); it != expected_servers.end()) server.node = it->second;
    server.version = row["process"].value("version", "");
    server.started = epoch_seconds(row["process"].value("time_started", json()));
    server.peers = connected_peers(row);
    server.tags = tags[server.name];
    connected.insert(server.name);
    report.servers.push_back(std::move(server));
  }
  for (const auto& [name, node] : expected_servers) {
    if (connected.contains(name)) continue;
    report.servers.push_back({.name = name, .node = node, .tags = tags[name]});
    report.problems.push_back(fmt::format("server {} is not connected; see `rsm db logs {} {}`", name, env, name));
  }
  int connected_count = static_cast<int>(connected.size());
  for (const auto& server : report.servers)
    if (server.connected && server.peers < connected_count - 1)
      report.problems.push_back(fmt::format("server {} sees {} of its {} peers: `rsm db heal {}` restarts it",
                                            server.name, server.peers, connected_count - 1, env));

  std::map<std::string, const json*> configs;
  for (const auto& row : tables.table_config) configs[row.value("id", "")] = &row;
  for (const auto& row : tables.table_status) {
    TableState table;
    table.db = row.value("db", "");
    table.name = row.value("name", "");
    table.ready_for_writes = row["status"].value("ready_for_writes", false);
    table.all_replicas_ready = row["status"].value("all_replicas_ready", false);
    if (auto config = configs.find(row.value("id", "")); config != configs.end()) {
      json shards = config->second->value("shards", json::array());
      table.shards = static_cast<int>(shards.size());
      for (const auto& shard : shards)
        table.replicas = std::max(table.replicas, static_cast<int>(shard.value("replicas", json::array()).size()));
    }
    std::string full = table.db + "." + table.name;
    if (!table.ready_for_writes)
      report.problems.push_back(fmt::format("table {} does not take writes", full));
    else if (!table.all_replicas_ready)
      report.problems.push_back(fmt::format("table {} has replicas that are not ready", full));
    if (table.replicas > 0 && table.replicas < wanted_replicas)
      report.problems.push_back(fmt::format("table {} has {} replica(s), {} wanted: `rsm db replicate {}`", full,
                                            table.replicas, wanted_replicas, env));
    report.tables.push_back(std::move(table));
  }
  for (const auto& issue : tables.current_issues) report.issues.push_back(issue.value("description", ""));
  if (!report.issues.empty() && report.problems.empty())
    report.problems.push_back(fmt::format("the cluster reports {} issue(s)", report.issues.size()));
  return report;
}

json to_json(const StatusReport& report) {
  json servers = json::array(), tables = json::array();
  for (const auto& s : report.servers)
    servers.push_back({{"name", s.name},
                       {"connected", s.connected},
                       {"node", s.node},
                       {"hostname", s.hostname},
                       {"version", s.version},
                       {"tags", s.tags},
                       {"started", s.started},
                       {"peers", s.peers}});
  for (const auto& t : report.tables)
    tables.push_back({{"db", t.db},
                      {"name", t.name},
                      {"replicas", t.replicas},
                      {"shards", t.shards},
                      {"ready_for_writes", t.ready_for_writes},
                      {"all_replicas_ready", t.all_replicas_ready}});
  return {{"ready", report.ready()}, {"servers", servers},          {"tables", tables},
          {"issues", report.issues}, {"problems", report.problems}, {"backups", report.backups}};
}

}  // namespace rsm::db
