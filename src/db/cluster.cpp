#include "db/cluster.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/cluster_tls.h"
#include "db/start_script.h"
#include "engine/exec.h"
#include "reql/errors.h"
#include "swarm/formation.h"
#include "swarm/image_distribution.h"
#include "swarm/promotion.h"
#include "swarm/resources.h"
#include "tunnel/local_tunnel.h"
#include "tunnel/relay.h"
#include "util/error.h"
#include "util/parallel.h"

namespace rsm::db {

using drivers::Node;
using engine::json;
using engine::Method;

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(120);
constexpr auto kRemoveTimeout = std::chrono::seconds(90);
constexpr int kReadyTimeoutSeconds = 120;  // for tables to backfill their new replicas

// 32 characters from [A-Za-z0-9]: about 190 bits, safe in any shell or URL.
std::string generate_password() {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string password;
  while (password.size() < 32) {
    unsigned char bytes[64];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
      throw Error("cannot generate the admin password: OpenSSL has no randomness");
    for (unsigned char byte : bytes)  // 248 = 4 * 62: no value is likelier than another
      if (byte < 248 && password.size() < 32) password += alphabet[byte % alphabet.size()];
  }
  return password;
}

// cluster_labels as list filters take them ("key=value").
std::vector<std::string> db_label_filters(const std::string& env) {
  std::vector<std::string> filters;
  json labels = cluster_labels(env);  // items() refers to it: it must outlive the loop
  for (const auto& [key, value] : labels.items()) filters.push_back(key + "=" + value.get<std::string>());
  return filters;
}

json containers_with_labels(engine::Client& client, const std::vector<std::string>& labels, bool running_only) {
  json filters{{"label", labels}};
  if (running_only) filters["status"] = json::array({"running"});
  return client.get("/containers/json?all=1&filters=" + engine::encode_filters(filters));
}

// The three cluster TLS secrets, made together: a certificate only works with its CA and
// key. Pieces left by an interrupted create are replaced.
std::map<std::string, std::string> ensure_cluster_tls(engine::Client& client, const json& labels) {
  std::map<std::string, std::string> ids;
  const std::vector<std::string> names{kClusterCaSecret, kClusterCertSecret, kClusterKeySecret};
  for (const auto& secret : swarm::list_objects(client, "secrets", db_label_filters(labels.value("rsm.env", "")))) {
    std::string name = secret["Spec"].value("Name", "");
    if (std::find(names.begin(), names.end(), name) != names.end()) ids[name] = secret["ID"];
  }
  if (ids.size() == names.size()) return ids;
  for (const auto& [name, id] : ids) client.remove("/secrets/" + id);
  ClusterTls tls = make_cluster_tls(labels.value("rsm.env", ""));
  auto made = [&](const std::string& value) { return [value] { return value; }; };
  return {{kClusterCaSecret, swarm::ensure_secret(client, kClusterCaSecret, labels, made(tls.ca_certificate))},
          {kClusterCertSecret, swarm::ensure_secret(client, kClusterCertSecret, labels, made(tls.certificate))},
          {kClusterKeySecret, swarm::ensure_secret(client, kClusterKeySecret, labels, made(tls.private_key))}};
}

}  // namespace

Cluster::Cluster(swarm::Environment& env, Progress& progress) : env_(env), progress_(progress) {}

Node Cluster::manager() {
  Node leader = env_.manager();
  nodes_ = env_.nodes();
  return leader;
}

json Cluster::services() {
  engine::Client client(manager().engine);
  return swarm::list_objects(client, "services", db_label_filters(env_.name()));
}

CreateResult Cluster::create(const CreateOptions& options) {
  if (options.servers_per_node < 1 || options.servers_per_node > 9) throw UsageError("--servers-per-node takes 1 to 9");
  Node leader = manager();
  engine::Client client(leader.engine);

  // Servers go on the machines the swarm has; one that has not joined yet gets its
  // server from the next create, after `rsm nodes create` has joined it.
  std::map<std::string, json> entries;
  for (const auto& entry : swarm::swarm_nodes(leader)) entries[entry["Description"].value("Hostname", "")] = entry;
  std::vector<Node> placed;
  for (const auto& node : nodes_)
    if (entries.contains(node.name)) placed.push_back(node);
  CreateResult result;
  result.servers = plan_servers(placed, options.servers_per_node);

  swarm::load_image(env_, options.image, progress_);

  json labels = cluster_labels(env_.name());
  progress_.step("db", fmt::format("network {}, password secret, start script", kNetwork));
  swarm::ensure_overlay_network(client, kNetwork, labels);
  ServiceInputs inputs{.env = env_.name(),
                       .image = options.image,
                       .config_name = start_config_name(),
                       .secret_ids = ensure_cluster_tls(client, labels),
                       .standalone = result.servers.size() == 1,
                       .replicas = options.replicas};
  inputs.secret_ids[kPasswordSecret] = swarm::ensure_secret(client, kPasswordSecret, labels, generate_password);
  inputs.config_id = swarm::ensure_config(client, inputs.config_name, labels, std::string(kStartScript));

  std::set<std::string> planned;
  for (const auto& server : result.servers) {
    planned.insert(server.service);
    switch (swarm::apply_service(client, service_spec(server, inputs))) {
      case swarm::ServiceChange::Created:
        progress_.step(server.service, fmt::format("created on {}", server.node));
        result.created.push_back(server.service);
        break;
      case swarm::ServiceChange::Updated:
        progress_.step(server.service, "updated");
        result.updated.push_back(server.service);
        break;
      case swarm::ServiceChange::Unchanged:
        result.unchanged.push_back(server.service);
        break;
    }
  }
  // Servers of machines that are gone: their volumes went with the machines.
  for (const auto& service : swarm::list_objects(client, "services", db_label_filters(env_.name()))) {
    std::string name = service["Spec"].value("Name", "");
    if (planned.contains(name)) continue;
    progress_.step(name, "removing: its node is gone");
    client.remove("/services/" + service["ID"].get<std::string>());
    result.removed.push_back(name);
  }
  // Start scripts of earlier versions, now that no service uses them.
  for (const auto& config : swarm::list_objects(client, "configs", db_label_filters(env_.name())))
    if (config["Spec"].value("Name", "") != inputs.config_name)
      client.request(Method::Delete, "/configs/" + config["ID"].get<std::string>());

  warn_unless_highly_available();

  std::vector<Server> startable;
  for (const auto& server : result.servers) {
    const json& entry = entries[server.node];
    if (entry["Status"].value("State", "") == "ready")
      startable.push_back(server);
    else
      result.waiting.push_back(server.service);
  }
  wait_until_running(client, startable);
  for (const auto& service : result.waiting)
    progress_.warn(fmt::format("{} waits for its node to be up (rsm nodes start {})", service, env_.name()));
  if (!options.wait) return result;

  if (startable.empty()) return result;  // nothing can form before a node is up
  std::vector<std::string> startable_names;
  for (const auto& server : startable) startable_names.push_back(server.name);
  wait_until_formed(startable_names);
  result.replicated = replicate(options.replicas);
  return result;
}

void Cluster::warn_unless_highly_available() {
  Node leader = manager();
  int managers = 0, nodes = 0;
  for (const auto& entry : swarm::swarm_nodes(leader)) {
    ++nodes;
    if (entry["Spec"].value("Role", "") == "manager" && entry["Status"].value("State", "") != "down") ++managers;
  }
  if (nodes >= 3 && managers < swarm::kManagersForHighAvailability)
    progress_.warn(
        fmt::format("{} has {} manager(s): while a manager is down the swarm restarts nothing, so the "
                    "cluster is not highly available; promote two more: rsm nodes promote {}",
                    env_.name(), managers, env_.name()));
}

std::vector<std::string> Cluster::relay_sockets() {
  Node leader = manager();
  return tunnel::ensure_relay(env_, leader, kNetwork, {{kAlias, kDriverPort}, {kAlias, kHttpPort}}, progress_);
}

Cluster::Session Cluster::open_session() {
  if (services().empty())
    throw UsageError(fmt::format("{} has no database: create it with `rsm db create {}`", env_.name(), env_.name()));
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

std::map<std::string, std::string> Cluster::expected_servers() {
  std::map<std::string, std::string> servers;
  for (const auto& service : services()) {
    const json& labels = service["Spec"]["Labels"];
    servers[labels.value(kServerLabel, "")] = labels.value(kNodeLabel, "");
  }
  return servers;
}

int Cluster::wanted_replicas(int requested, int servers) {
  if (requested > 0) return requested;
  int chosen = 0;
  for (const auto& service : services())
    chosen = std::max(chosen, std::stoi(service["Spec"]["Labels"].value(kReplicasLabel, "0")));
  return chosen > 0 ? chosen : default_replicas(servers);
}

void Cluster::wait_until_formed(const std::vector<std::string>& expected) {
  progress_.step("db", fmt::format("waiting for {} server(s) to form one cluster", expected.size()));
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string last;
  for (;;) {
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
        return;
      }
      last = fmt::format("{} not connected", fmt::join(missing, ", "));
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      last = e.what();  // the servers may still be starting
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(
          fmt::format("the cluster of {} did not form within {} s: {}", env_.name(), kStartTimeout.count(), last));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

StatusReport Cluster::status() {
  auto session = open_session();
  auto expected = expected_servers();
  return make_report(read_system_tables(*session.connection), expected,
                     wanted_replicas(0, static_cast<int>(expected.size())), env_.name());
}

std::vector<std::string> Cluster::replicate(int replicas) {
  auto session = open_session();
  reql::Connection& connection = *session.connection;
  SystemTables tables = read_system_tables(connection);
  std::set<std::string> connected;
  for (const auto& row : tables.server_status) connected.insert(row.value("name", ""));
  int wanted = wanted_replicas(replicas, static_cast<int>(expected_servers().size()));
  if (wanted > static_cast<int>(connected.size()))
    throw UsageError(fmt::format("{} replicas per table need {} connected servers; {} has {} (see `rsm db status {}`)",
                                 wanted, wanted, env_.name(), connected.size(), env_.name()));

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
      for (const auto& server : replica_list) right = right && connected.contains(server.get<std::string>());
    }
    if (right) continue;
    progress_.step(db + "." + table, fmt::format("{} replica(s)", wanted));
    try {
      connection.run(reql::r.db(db).table(table).reconfigure(
          {{"shards", std::max<int>(1, static_cast<int>(shards.size()))}, {"replicas", wanted}}));
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

std::vector<std::string> Cluster::heal() {
  std::vector<std::string> restarted;
  {
    auto session = open_session();
    SystemTables tables = read_system_tables(*session.connection);
    int connected = static_cast<int>(tables.server_status.size());
    std::map<std::string, int> peers;
    for (const auto& row : tables.server_status) peers[row.value("name", "")] = connected_peers(row);
    engine::Client client(manager().engine);
    for (auto service : services()) {
      std::string name = service["Spec"]["Labels"].value(kServerLabel, "");
      auto seen = peers.find(name);
      // Not connected at all (started alone, or stuck), or cut off from some of the others.
      if (seen != peers.end() && seen->second >= connected - 1) continue;
      progress_.step(service["Spec"].value("Name", ""), "restarting: it does not see every other server");
      json spec = service["Spec"];
      spec["TaskTemplate"]["ForceUpdate"] = spec["TaskTemplate"].value("ForceUpdate", 0) + 1;
      client.post(fmt::format("/services/{}/update?version={}", service["ID"].get<std::string>(),
                              service["Version"]["Index"].get<long>()),
                  spec);
      restarted.push_back(service["Spec"].value("Name", ""));
    }
  }
  if (!restarted.empty()) {
    std::vector<std::string> expected;
    for (const auto& [server, node_name] : expected_servers()) {
      auto node = std::find_if(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.name == node_name; });
      if (node != nodes_.end() && node->running()) expected.push_back(server);
    }
    wait_until_formed(expected);
  }
  replicate(0);
  return restarted;
}

void Cluster::admin(int port, const std::function<void(int)>& listening) {
  if (services().empty())
    throw UsageError(fmt::format("{} has no database: create it with `rsm db create {}`", env_.name(), env_.name()));
  auto sockets = relay_sockets();
  tunnel::serve_until_interrupted(sockets[1], port ? port : tunnel::local_port(env_.name(), kHttpPort), listening);
}

void Cluster::wait_until_running(engine::Client& client, const std::vector<Server>& servers) {
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::set<std::string> running;
  while (running.size() < servers.size()) {
    for (const auto& server : servers) {
      if (running.contains(server.service)) continue;
      json tasks = swarm::service_tasks(client, server.service);
      for (const auto& task : tasks)
        if (task.value("DesiredState", "") == "running" && task["Status"].value("State", "") == "running") {
          running.insert(server.service);
          progress_.step(server.service, "running");
        }
      if (running.contains(server.service)) continue;
      if (auto failure = swarm::task_failure(tasks))
        throw Error(fmt::format("{} on {} does not start: {}; see `rsm db logs {} {}`", server.service, server.node,
                                *failure, env_.name(), server.service));
    }
    if (running.size() == servers.size()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::vector<std::string> late;
      for (const auto& server : servers)
        if (!running.contains(server.service)) late.push_back(server.service);
      throw Error(fmt::format("{} did not start within {} s; see `rsm db logs {}`", fmt::join(late, ", "),
                              kStartTimeout.count(), env_.name()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

void Cluster::remove(bool keep_data) {
  Node leader = manager();
  engine::Client client(leader.engine);
  auto labels = db_label_filters(env_.name());
  for (const auto& service : swarm::list_objects(client, "services", labels)) {
    progress_.step(service["Spec"].value("Name", ""), "removing");
    client.remove("/services/" + service["ID"].get<std::string>());
  }
  tunnel::remove_relays(nodes_, kNetwork);

  // A volume can go only once its server's container has stopped.
  std::vector<Node> running;
  for (const auto& node : nodes_) {
    if (node.running())
      running.push_back(node);
    else if (!keep_data)
      progress_.warn(
          fmt::format("{} is stopped: its database volume stays until it is removed (rsm nodes rm) or "
                      "started and this is run again",
                      node.name));
  }
  for_each_parallel(running, [&](const Node& node) {
    engine::Client engine(node.engine);
    auto deadline = std::chrono::steady_clock::now() + kRemoveTimeout;
    while (!containers_with_labels(engine, labels, false).empty()) {
      if (std::chrono::steady_clock::now() > deadline)
        throw Error(fmt::format("the database containers on {} did not stop within {} s; run this again", node.name,
                                kRemoveTimeout.count()));
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (keep_data) return;
    json volumes = engine.get("/volumes?filters=" + engine::encode_filters({{"label", labels}}))["Volumes"];
    for (const auto& volume : volumes.is_array() ? volumes : json::array()) {
      progress_.step(node.name, fmt::format("removing volume {}", volume["Name"].get<std::string>()));
      engine.remove("/volumes/" + volume["Name"].get<std::string>());
    }
  });

  for (const auto& config : swarm::list_objects(client, "configs", labels))
    client.remove("/configs/" + config["ID"].get<std::string>());
  if (!keep_data)
    for (const auto& secret : swarm::list_objects(client, "secrets", labels))
      client.remove("/secrets/" + secret["ID"].get<std::string>());

  // Apps may still use the network; then it stays.
  auto network = client.request(Method::Delete, std::string("/networks/") + kNetwork);
  if (!network.ok() && network.status != 404)
    progress_.warn(fmt::format("network {} stays: {}", kNetwork, network.message()));
}

std::string Cluster::password() {
  manager();
  auto labels = db_label_filters(env_.name());
  for (const auto& node : nodes_) {
    if (!node.running()) continue;
    engine::Client engine(node.engine);
    for (const auto& container : containers_with_labels(engine, labels, true)) {
      std::string out;
      int code =
          engine::exec_in_container(engine, container["Id"], {"cat", std::string("/run/secrets/") + kPasswordSecret},
                                    [&](engine::StreamKind kind, std::string_view text) {
                                      if (kind == engine::StreamKind::Stdout) out += text;
                                    });
      if (code == 0 && !out.empty()) return out;
    }
  }
  throw Error(
      fmt::format("no RethinkDB server of {} is running to read the password from (a swarm secret can only be "
                  "read by its services): start them with `rsm db create {}`",
                  env_.name(), env_.name()));
}

void Cluster::logs(const std::string& server, bool follow, const std::function<void(std::string_view)>& output) {
  Node leader = manager();
  json chosen = json::array();
  for (const auto& service : services()) {
    const json& labels = service["Spec"]["Labels"];
    if (server.empty() || service["Spec"].value("Name", "") == server || labels.value(kServerLabel, "") == server ||
        labels.value(kNodeLabel, "") == server)
      chosen.push_back(service);
  }
  if (chosen.empty())
    throw UsageError(
        server.empty()
            ? fmt::format("{} has no database: create it with `rsm db create {}`", env_.name(), env_.name())
            : fmt::format("{} has no database server {}; see `rsm db status {}`", env_.name(), server, env_.name()));
  std::mutex mutex;
  auto locked_output = [&](std::string_view line) {
    std::lock_guard lock(mutex);
    output(line);
  };
  std::vector<json> list(chosen.begin(), chosen.end());
  for_each_parallel(list, [&](const json& service) {
    std::string prefix = list.size() > 1 ? service["Spec"].value("Name", "") + " | " : "";
    engine::Client client(leader.engine);
    swarm::service_logs(client, service["ID"], follow,
                        [&](std::string_view line) { locked_output(fmt::format("{}{}\n", prefix, line)); });
  });
}

}  // namespace rsm::db
