// The swarm half of `rsm db`: the cluster's network, secrets, start script and one pinned
// service per server, made or re-applied; their removal with or without the volumes; the
// servers' logs; and the check that the swarm itself can restart what fails.
#include "db/cluster.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/backup/schedule.h"
#include "db/heartbeat.h"
#include "db/secrets.h"
#include "db/start_script.h"
#include "engine/url.h"
#include "swarm/formation.h"
#include "swarm/image_distribution.h"
#include "swarm/promotion.h"
#include "swarm/resources.h"
#include "swarm/service_logs.h"
#include "tunnel/relay.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/poll.h"

namespace rsm::db {

using drivers::Node;
using engine::json;
using swarm::ServiceView;

namespace {

constexpr auto kStartTimeout = seconds(120);
constexpr auto kRemoveTimeout = seconds(90);

UsageError no_database_error(const std::string& env) {
  return UsageError(fmt::format("{0} has no database: create it with `rsm db create {0}`", env));
}

}  // namespace

Cluster::Cluster(swarm::Environment& env, Progress& progress) : env_(env), progress_(progress) {}

Node Cluster::look_up_nodes_and_manager() {
  Node leader = env_.reachable_manager();
  nodes_ = env_.nodes();
  return leader;
}

std::vector<ServiceView> Cluster::services() {
  engine::Client client(look_up_nodes_and_manager().engine);
  return swarm::list_services(client, cluster_filters(env_.name()));
}

std::vector<ServiceView> Cluster::existing_services() {
  auto found = services();
  if (found.empty()) throw no_database_error(env_.name());
  return found;
}

CreateResult Cluster::create(const CreateOptions& options) {
  if (options.servers_per_node < 1 || options.servers_per_node > 9) throw UsageError("--servers-per-node takes 1 to 9");
  if (options.heartbeat > 0 && !options.wait)
    throw UsageError("the heartbeat is set in the formed cluster: leave out --no-wait (wait: false) to set it");
  Node leader = look_up_nodes_and_manager();
  engine::Client client(leader.engine);

  // Servers go on the machines the swarm has; one that has not joined yet gets its
  // server from the next create, after `rsm nodes create` has joined it.
  auto entries = swarm::nodes_by_name(client);
  std::vector<Node> placed;
  for (const auto& node : nodes_) {
    if (!entries.contains(node.name)) continue;
    // Servers are pinned by the rsm.node label, which swarms formed by older versions lack.
    swarm::label_node(client, entries.at(node.name), node);
    placed.push_back(node);
  }
  CreateResult result;
  result.servers = plan_servers(placed, options.servers_per_node);

  swarm::load_image(env_, options.image, progress_);

  progress_.step("db", fmt::format("network {}, password secret, start script", kNetwork));
  json labels = cluster_labels(env_.name());
  swarm::ensure_overlay_network(client, kNetwork, labels);
  ServiceInputs inputs{.env = env_.name(),
                       .image = options.image,
                       .config_name = start_config_name(),
                       .secret_ids = ensure_cluster_tls_secrets(client, env_.name()),
                       .standalone = result.servers.size() == 1,
                       .replicas = options.replicas};
  inputs.secret_ids[kPasswordSecret] = ensure_password_secret(client, env_.name());
  auto config = swarm::ensure_config(client, inputs.config_name, labels, std::string(kStartScript));
  inputs.config_id = config.id;
  inputs.config_name = config.name;

  std::set<std::string> planned;
  for (const auto& server : result.servers) {
    planned.insert(server.service);
    switch (swarm::apply_service(client, service_spec(server, inputs))) {
      case swarm::ServiceChange::Created:
        progress_.step(server.service, fmt::format("created on {}", server.node));
        result.created.push_back(server.service);
        break;
      case swarm::ServiceChange::Updated:
        result.updated.push_back(server.service);
        // One server at a time, each back before the next stops: a table keeps a majority
        // of its replicas throughout.
        if (!entries.at(server.node).ready()) break;  // it restarts when its node is up
        progress_.step(server.service, "updating; the next server waits until it is back");
        swarm::wait_for_update(client, *swarm::find_service(client, server.service), false,
                               fmt::format("see `rsm db logs {} {}`", env_.name(), server.service), progress_);
        if (options.wait) wait_until_formed({server.name});
        break;
      case swarm::ServiceChange::Unchanged:
        result.unchanged.push_back(server.service);
        break;
    }
  }
  // Servers of machines that are gone: their volumes went with the machines.
  for (const auto& service : swarm::list_services(client, cluster_filters(env_.name()))) {
    if (planned.contains(service.name)) continue;
    progress_.step(service.name, "removing: its node is gone");
    client.remove("/services/" + service.id);
    result.removed.push_back(service.name);
  }
  // Start scripts of earlier versions, now that no service uses them.
  for (const auto& config : swarm::list_objects(client, "configs", cluster_filters(env_.name())))
    if (config.name != inputs.config_name)
      ignore_failure("a start script still in use by a server being updated goes with the next create",
                     [&] { client.remove_if_present("/configs/" + config.id); });

  warn_unless_highly_available();

  std::vector<Server> startable;
  for (const auto& server : result.servers) {
    if (entries.at(server.node).ready())
      startable.push_back(server);
    else
      result.waiting.push_back(server.service);
  }
  wait_until_running(client, startable);
  for (const auto& service : result.waiting)
    progress_.warn(fmt::format("{} waits for its node to be up (rsm nodes start {})", service, env_.name()));
  if (!options.wait || startable.empty()) return result;  // nothing can form before a node is up

  std::vector<std::string> startable_names;
  for (const auto& server : startable) startable_names.push_back(server.name);
  wait_until_formed(startable_names);
  auto session = open_session();
  set_heartbeat(*session.connection, options.heartbeat > 0 ? options.heartbeat : default_heartbeat(nodes_));
  result.replicated = replicate(*session.connection, options.replicas);
  return result;
}

CreatePlan Cluster::compare(const CreateOptions& options) {
  Node leader = look_up_nodes_and_manager();
  engine::Client client(leader.engine);
  auto entries = swarm::nodes_by_name(client);
  std::vector<Node> placed;
  for (const auto& node : nodes_)
    if (entries.contains(node.name)) placed.push_back(node);
  auto servers = plan_servers(placed, options.servers_per_node);
  // What create would make first, as it is now: a missing one makes every spec differ.
  ServiceInputs inputs{.env = env_.name(),
                       .image = options.image,
                       .config_name = start_config_name(),
                       .standalone = servers.size() == 1,
                       .replicas = options.replicas};
  if (auto config = swarm::find_config(client, cluster_labels(env_.name()), std::string(kStartScript))) {
    inputs.config_id = config->id;
    inputs.config_name = config->name;
  }
  for (const char* name : {kPasswordSecret, kClusterCaSecret, kClusterCertSecret, kClusterKeySecret}) {
    auto secret = swarm::find_object(client, "secrets", name);
    inputs.secret_ids[name] = secret ? secret->id : "";
  }
  CreatePlan plan;
  std::set<std::string> planned;
  for (const auto& server : servers) {
    planned.insert(server.service);
    std::vector<std::string> differences;
    switch (swarm::compare_service(client, service_spec(server, inputs), &differences)) {
      case swarm::ServiceChange::Created:
        plan.created.push_back(server.service);
        break;
      case swarm::ServiceChange::Updated:
        plan.updated.emplace_back(server.service, std::move(differences));
        break;
      case swarm::ServiceChange::Unchanged:
        plan.unchanged.push_back(server.service);
        break;
    }
  }
  for (const auto& service : swarm::list_services(client, cluster_filters(env_.name())))
    if (!planned.contains(service.name)) plan.removed.push_back(service.name);
  return plan;
}

void Cluster::warn_unless_highly_available() {
  engine::Client client(look_up_nodes_and_manager().engine);
  if (auto advice = swarm::managers_advice(env_.name(), swarm::list_nodes(client)); !advice.empty())
    progress_.warn(advice);
}

void Cluster::wait_until_running(engine::Client& client, const std::vector<Server>& servers) {
  std::set<std::string> running;
  std::map<std::string, swarm::FailureWatch> failures;  // service -> its failed tasks
  auto late = [&] {
    std::vector<std::string> names;
    for (const auto& server : servers)
      if (!running.contains(server.service)) names.push_back(server.service);
    return fmt::format("{} did not start; see `rsm db logs {}`", fmt::join(names, ", "), env_.name());
  };
  poll_until(kStartTimeout, milliseconds(250), late, [&] {
    for (const auto& server : servers) {
      if (running.contains(server.service)) continue;
      auto tasks = swarm::service_tasks(client, server.service);
      if (swarm::running_tasks(tasks) > 0) {
        running.insert(server.service);
        progress_.step(server.service, "running");
      } else if (auto failure = failures.try_emplace(server.service, 1).first->second.check(tasks)) {
        throw Error(fmt::format("{} on {} does not start: {}; see `rsm db logs {} {}`", server.service, server.node,
                                *failure, env_.name(), server.service));
      }
    }
    return running.size() == servers.size();
  });
}

void Cluster::remove(bool keep_data) {
  Node leader = look_up_nodes_and_manager();
  engine::Client client(leader.engine);
  auto filters = cluster_filters(env_.name());
  // The scheduled backups use the network and the password: they stop first. Their
  // archives are the user's, not the cluster's: they stay.
  if (backup::unschedule_backups(env_))
    progress_.step(
        backup::kScheduleService,
        fmt::format("scheduled backups stopped; their archives stay in the volume {}", backup::kArchivesVolume));
  for (const auto& service : swarm::list_services(client, filters)) {
    progress_.step(service.name, "removing");
    client.remove("/services/" + service.id);
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
  std::string label_filter = engine::encode_filters({{"label", filters}});
  for_each_parallel(running, [&](const Node& node) {
    engine::Client engine(node.engine);
    poll_until(
        kRemoveTimeout, milliseconds(250),
        [&] { return fmt::format("the database containers on {} did not stop; run this again", node.name); },
        [&] { return engine.get("/containers/json?all=1&filters=" + label_filter).empty(); });
    if (keep_data) return;
    json volumes = engine.get("/volumes?filters=" + label_filter)["Volumes"];
    for (const auto& volume : volumes.is_array() ? volumes : json::array()) {
      progress_.step(node.name, fmt::format("removing volume {}", volume["Name"].get<std::string>()));
      engine.remove("/volumes/" + volume["Name"].get<std::string>());
    }
  });

  for (const auto& config : swarm::list_objects(client, "configs", filters)) client.remove("/configs/" + config.id);
  if (!keep_data)
    for (const auto& secret : swarm::list_objects(client, "secrets", filters)) client.remove("/secrets/" + secret.id);

  // Apps may still use the network; then it stays.
  auto network = client.request(engine::Method::Delete, std::string("/networks/") + kNetwork);
  if (!network.ok() && network.status != 404)
    progress_.warn(fmt::format("network {} stays: {}", kNetwork, network.message()));
}

std::string Cluster::password() {
  look_up_nodes_and_manager();
  return read_password(nodes_, env_.name());
}

void Cluster::logs(const std::string& server, const swarm::LogQuery& query,
                   const std::function<void(std::string_view)>& output) {
  std::vector<ServiceView> chosen;
  for (auto& service : existing_services())
    if (server.empty() || service.name == server || service.label(kServerLabel) == server ||
        service.label(kNodeLabel) == server)
      chosen.push_back(std::move(service));
  if (chosen.empty())
    throw UsageError(
        fmt::format("{} has no database server {}; see `rsm db status {}`", env_.name(), server, env_.name()));
  swarm::service_logs(env_.reachable_manager().engine, chosen, query, output);
}

}  // namespace rsm::db
