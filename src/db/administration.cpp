// The ReQL half of `rsm db`: a session with the cluster through the relay, and what is
// asked of RethinkDB itself: whether the servers formed one cluster, the status of
// servers and tables, replication of every table, healing servers cut off from their
// peers, and backups and restores (db/backup/) on a session of their own.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/backup/restore_marker.h"
#include "db/backup/schedule.h"
#include "db/cluster.h"
#include "db/placement.h"
#include "reql/errors.h"
#include "tunnel/local_tunnel.h"
#include "tunnel/port_offsets.h"
#include "tunnel/relay.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::db {

using drivers::Node;
using engine::json;

namespace {

constexpr auto kFormTimeout = seconds(120);
constexpr int kReadyTimeoutSeconds = 120;  // for tables to backfill their new replicas

// Server name -> node, from the services.
std::map<std::string, std::string> expected_servers(const std::vector<swarm::ServiceView>& services) {
  std::map<std::string, std::string> servers;
  for (const auto& service : services) servers[service.label(kServerLabel)] = service.label(kNodeLabel);
  return servers;
}

// Replicas per table: those requested, else what create was given (a label of the
// services), else min(3, servers), counting the servers that are not `leaving`.
int wanted_replicas(int requested, const std::vector<swarm::ServiceView>& services, size_t leaving = 0) {
  if (requested > 0) return requested;
  int chosen = 0;
  for (const auto& service : services) {
    std::string label = service.label(kReplicasLabel);
    chosen = std::max(chosen, label.empty() ? 0 : std::stoi(label));
  }
  return chosen > 0 ? chosen : default_replicas(static_cast<int>(services.size() - leaving));
}

}  // namespace

std::vector<std::string> Cluster::relay_sockets() {
  return tunnel::ensure_relay(env_, look_up_nodes_and_manager(), kNetwork, {{kAlias, kDriverPort}, {kAlias, kHttpPort}},
                              progress_);
}

Cluster::Session Cluster::open_session() {
  existing_services();
  auto sockets = relay_sockets();
  Session session;
  session.forwarder = std::make_unique<tunnel::Forwarder>(0, sockets[0]);
  reql::ConnectOptions options;
  options.host = "127.0.0.1";
  options.port = session.forwarder->port();
  options.password = password();
  // A wait for tables runs up to kReadyTimeoutSeconds; reads stall up to a heartbeat
  // (~15 s) while a server hangs.
  options.read_timeout = std::chrono::seconds(kReadyTimeoutSeconds + 30);
  try {
    session.connection = reql::Connection::connect(options);
  } catch (const ::reql::Error& e) {
    throw Error(fmt::format("cannot reach the database of {} at {}:{} ({}); see `rsm db logs {}`", env_.name(), kAlias,
                            kDriverPort, e.what(), env_.name()));
  }
  return session;
}

SystemTables Cluster::read_system_tables(reql::Connection& connection) {
  auto rows = [&](const char* table) { return connection.run(reql::r.db("rethinkdb").table(table)).to_array(); };
  return {.server_status = rows("server_status"),
          .server_config = rows("server_config"),
          .table_config = rows("table_config"),
          .table_status = rows("table_status"),
          .current_issues = rows("current_issues")};
}

void Cluster::wait_until_formed(const std::vector<std::string>& expected) {
  progress_.step("db", fmt::format("waiting for {} server(s) to form one cluster", expected.size()));
  std::string last;
  poll_until(
      kFormTimeout, seconds(1),
      [&] {
        return fmt::format("the cluster of {} did not form: {}; see `rsm db logs {}`", env_.name(), last, env_.name());
      },
      [&] {
        try {
          auto session = open_session();
          std::set<std::string> connected;
          for (const auto& row : session.connection->run(reql::r.db("rethinkdb").table("server_status")).to_array())
            connected.insert(row.value("name", ""));
          std::vector<std::string> missing;
          for (const auto& name : expected)
            if (!connected.contains(name)) missing.push_back(name);
          if (missing.empty()) {
            progress_.step("db", fmt::format("{} server(s) connected", connected.size()));
            return true;
          }
          last = fmt::format("{} not connected", fmt::join(missing, ", "));
        } catch (const UsageError&) {
          throw;
        } catch (const std::exception& e) {
          last = e.what();  // the servers may still be starting
        }
        return false;
      });
}

StatusReport Cluster::status() {
  auto session = open_session();
  auto listed = services();
  auto report = make_report(read_system_tables(*session.connection), expected_servers(listed),
                            wanted_replicas(0, listed), env_.name());
  // A failed scheduled backup is a problem like an unready table: nobody looks at backups
  // until they need one.
  try {
    report.backups = backup::scheduled_backups(env_);
  } catch (const Error& e) {
    report.problems.push_back(fmt::format("scheduled backups: {}", e.what()));
  }
  const auto& last = report.backups.is_object() ? report.backups["last"] : nlohmann::json();
  if (last.is_object() && !last.value("ok", true))
    report.problems.push_back(
        fmt::format("the last scheduled backup failed: {}; `rsm db backups {}` shows the "
                    "archives, `docker service logs {}` on a manager every run",
                    last.value("error", ""), env_.name(), backup::kScheduleService));
  return report;
}

backup::BackupResult Cluster::backup(const std::string& file, const backup::TableSelection& selection) {
  auto session = open_session();
  return backup::back_up(*session.connection, file, selection, progress_);
}

backup::RestoreResult Cluster::restore(const backup::DumpReader& archive, backup::RestoreOptions options) {
  auto session = open_session();
  backup::RestoreMarker marker(env_.name(), archive.file());
  options.resumed = marker.resumed();
  if (!options.resumed.empty())
    progress_.step(env_.name(), fmt::format("carrying on with the restore of {} that stopped in {}", archive.file(),
                                            fmt::join(options.resumed, ", ")));
  options.starting_table = [&](const std::string& table) { marker.started(table); };
  options.replicas = wanted_replicas(0, services());
  auto result = backup::restore(*session.connection, archive, options, progress_);
  marker.finished();
  return result;
}

std::vector<std::string> Cluster::replicate(int replicas) {
  auto session = open_session();
  return replicate(*session.connection, replicas);
}

std::vector<std::string> Cluster::replicate(reql::Connection& connection, int replicas,
                                            const std::set<std::string>& leaving) {
  SystemTables tables = read_system_tables(connection);
  std::set<std::string> connected;
  for (const auto& row : tables.server_status)
    if (!leaving.contains(row.value("name", ""))) connected.insert(row.value("name", ""));
  int wanted = wanted_replicas(replicas, services(), leaving.size());
  if (wanted > static_cast<int>(connected.size()))
    throw UsageError(
        fmt::format("{} replicas per table need {} connected servers; {} has {}{} (see `rsm db status {}`)", wanted,
                    wanted, env_.name(), connected.size(),
                    leaving.empty() ? ""
                                    : " that stay: add a node first (rsm nodes create), or lower "
                                      "the replicas (rsm db replicate --replicas)",
                    env_.name()));

  // Servers in several regions: replicas spread over them (placement.h).
  std::map<std::string, std::string> region;
  std::map<std::string, int> servers_by_region;
  for (const auto& row : tables.server_config) {
    std::string name = row.value("name", "");
    if (!connected.contains(name)) continue;
    region[name] = region_of(row.value("tags", std::vector<std::string>{}));
    ++servers_by_region[region[name]];
  }
  auto placement = spread_over_regions(servers_by_region, wanted);

  std::vector<std::string> changed;
  std::set<std::string> databases;
  for (const auto& config : tables.table_config) {
    std::string db = config.value("db", ""), table = config.value("name", "");
    databases.insert(db);
    // Already right: as many replicas as wanted, all on connected servers.
    json shards = config.value("shards", json::array());
    bool right = !shards.empty();
    for (const auto& shard : shards) {
      json replica_list = shard.value("replicas", json::array());
      right = right && static_cast<int>(replica_list.size()) == wanted;
      std::map<std::string, int> per_region;
      for (const auto& server : replica_list) {
        right = right && connected.contains(server.get<std::string>());
        ++per_region[region[server.get<std::string>()]];
      }
      if (placement) right = right && per_region == placement->replicas_by_region;
    }
    if (right) continue;
    progress_.step(db + "." + table, fmt::format("{} replica(s)", wanted));
    try {
      int shard_count = std::max<int>(1, static_cast<int>(shards.size()));
      auto target = reql::r.db(db).table(table);
      if (placement)
        connection.run(target.reconfigure({{"shards", shard_count},
                                           {"replicas", json(placement->replicas_by_region)},
                                           {"primary_replica_tag", placement->primary_region}}));
      else
        connection.run(target.reconfigure({{"shards", shard_count}, {"replicas", wanted}}));
    } catch (const ::reql::Error& e) {
      throw Error(fmt::format("cannot give {}.{} {} replicas: {}; see `rsm db status {}`", db, table, wanted, e.what(),
                              env_.name()));
    }
    changed.push_back(db + "." + table);
  }
  for (const auto& db : databases) {
    progress_.step(db, "waiting until every table is ready");
    try {
      connection.run(reql::r.db(db).wait({{"wait_for", "all_replicas_ready"}, {"timeout", kReadyTimeoutSeconds}}));
    } catch (const ::reql::Error& e) {
      throw Error(fmt::format("the tables of {} were not all ready within {} s: {}; see `rsm db status {}`", db,
                              kReadyTimeoutSeconds, e.what(), env_.name()));
    }
  }
  return changed;
}

void Cluster::set_heartbeat(reql::Connection& connection, int seconds) {
  if (seconds < kMinHeartbeat || seconds > kMaxHeartbeat)
    throw UsageError(fmt::format("the heartbeat takes {} to {} seconds", kMinHeartbeat, kMaxHeartbeat));
  json written;
  try {
    written = connection
                  .run(reql::r.db("rethinkdb")
                           .table("cluster_config")
                           .get("heartbeat")
                           .update(json{{"heartbeat_timeout_secs", seconds}}))
                  .value();
  } catch (const ::reql::Error& e) {
    throw Error(fmt::format("cannot set the heartbeat of {}'s cluster: {}; see `rsm db status {}`", env_.name(),
                            e.what(), env_.name()));
  }
  if (written.value("replaced", 0) > 0)
    progress_.step("db", fmt::format("a silent server counts as gone after {} s", seconds));
}

std::vector<std::string> Cluster::retire(const std::vector<std::string>& nodes) {
  auto listed = services();
  std::vector<swarm::ServiceView> retiring;
  std::set<std::string> leaving;
  for (const auto& service : listed)
    if (std::find(nodes.begin(), nodes.end(), service.label(kNodeLabel)) != nodes.end()) {
      retiring.push_back(service);
      leaving.insert(service.label(kServerLabel));
    }
  if (retiring.empty()) return {};
  {
    auto session = open_session();
    auto& connection = *session.connection;
    // The count of servers that stay is checked before a tag changes; replicate() checks
    // it again on the way.
    int staying = static_cast<int>(listed.size() - leaving.size());
    int wanted = wanted_replicas(0, listed, leaving.size());
    if (wanted > staying)
      throw UsageError(fmt::format(
          "the tables of {} keep {} replicas, and {} server(s) would stay: add a node first (rsm nodes create {}), or "
          "lower the replicas (rsm db replicate {} --replicas {})",
          env_.name(), wanted, staying, env_.name(), env_.name(), std::max(1, staying)));
    // A server without tags gets no replicas from reconfigure: neither a count (which goes to
    // servers tagged "default") nor a count per region tag.
    for (const auto& row : read_system_tables(connection).server_config) {
      if (!leaving.contains(row.value("name", "")) || row.value("tags", json::array()).empty()) continue;
      progress_.step(row.value("name", ""), "handing its replicas to the other servers");
      connection.run(reql::r.db("rethinkdb")
                         .table("server_config")
                         .get(row.value("id", ""))
                         .update(json{{"tags", json::array()}}));
    }
    replicate(connection, 0, leaving);
  }
  engine::Client client(look_up_nodes_and_manager().engine);
  std::vector<std::string> removed;
  for (const auto& service : retiring) {
    progress_.step(service.name, "removing: the other servers hold its replicas");
    client.remove_if_present("/services/" + service.id);
    removed.push_back(service.name);
  }
  return removed;
}

std::vector<std::string> Cluster::heal() {
  std::vector<std::string> restarted;
  auto listed = services();
  {
    auto session = open_session();
    SystemTables tables = read_system_tables(*session.connection);
    int connected = static_cast<int>(tables.server_status.size());
    std::map<std::string, int> peers;
    for (const auto& row : tables.server_status) peers[row.value("name", "")] = connected_peers(row);
    engine::Client client(look_up_nodes_and_manager().engine);
    for (const auto& service : listed) {
      auto seen = peers.find(service.label(kServerLabel));
      // Not connected at all (started alone, or stuck), or cut off from some of the others.
      if (seen != peers.end() && seen->second >= connected - 1) continue;
      progress_.step(service.name, "restarting: it does not see every other server");
      json spec = service.spec;
      spec["TaskTemplate"]["ForceUpdate"] = spec["TaskTemplate"].value("ForceUpdate", 0) + 1;
      swarm::update_service(client, service, spec);
      restarted.push_back(service.name);
    }
  }
  if (!restarted.empty()) {
    std::vector<std::string> expected;
    for (const auto& [server, node_name] : expected_servers(listed)) {
      auto node = std::find_if(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.name == node_name; });
      if (node != nodes_.end() && node->running()) expected.push_back(server);
    }
    wait_until_formed(expected);
  }
  replicate(0);
  return restarted;
}

void Cluster::admin(int port, const std::function<void(int)>& listening) {
  existing_services();
  auto sockets = relay_sockets();
  tunnel::serve_until_interrupted(sockets[1], port ? port : tunnel::local_port(env_.name(), kHttpPort), listening);
}

}  // namespace rsm::db
