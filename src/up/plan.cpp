// Working out what `rsm up` would change: see plan.h.
#include "up/plan.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/apps.h"
#include "app/user_secrets.h"
#include "db/backup/schedule.h"
#include "db/cluster.h"
#include "engine/image_transfer.h"
#include "swarm/node_departure.h"
#include "util/duration.h"
#include "util/error.h"

namespace rsm::up {

namespace {

std::string describe_group(const swarm::CreateRequest& group) {
  std::string where = group.driver + (group.region.empty() ? "" : ", " + group.region);
  if (!group.hosts.empty())
    return fmt::format("{} {} ({})", group.managers > 0 ? "managers" : "workers", fmt::join(group.hosts, " "), where);
  std::vector<std::string> counts;
  if (group.managers > 0) counts.push_back(fmt::format("{} manager(s)", group.managers));
  if (group.workers > 0) counts.push_back(fmt::format("{} worker(s)", group.workers));
  return fmt::format("{} ({})", fmt::join(counts, " and "), where);
}

}  // namespace

std::vector<drivers::Node> surplus_nodes(const std::vector<drivers::Node>& nodes,
                                         const std::vector<swarm::CreateRequest>& groups) {
  std::vector<bool> named(nodes.size(), false);
  auto index_of = [&](const drivers::Node& node) {
    for (size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i].name == node.name) return i;
    return nodes.size();
  };
  for (const auto& group : groups) {
    if (!group.hosts.empty()) {
      for (const auto& host : group.hosts)
        if (auto adopted = swarm::adopted_from(nodes, host)) named[index_of(*adopted)] = true;
      continue;
    }
    for (auto [role, count] :
         {std::pair{drivers::Role::Manager, group.managers}, {drivers::Role::Worker, group.workers}})
      for (size_t i = 0; i < nodes.size() && count > 0; ++i)
        if (!named[i] && nodes[i].role == role && nodes[i].driver == group.driver &&
            (group.region.empty() || nodes[i].region == group.region)) {
          named[i] = true;
          --count;
        }
  }
  std::vector<drivers::Node> surplus;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!named[i]) surplus.push_back(nodes[i]);
  return surplus;
}

namespace {

void plan_nodes(const EnvironmentFile& file, const std::vector<drivers::Node>& nodes,
                const std::vector<drivers::Node>& surplus, const PruneOptions& prune, Plan& plan) {
  for (const auto& group : file.node_groups) {
    auto missing = missing_nodes(nodes, group);
    if (missing.managers + missing.workers > 0) plan.changes.push_back({"node", describe_group(missing), "create", {}});
  }
  for (const auto& node : surplus)
    plan.changes.push_back(
        {"node",
         node.name,
         prune.prune ? "remove" : "keep",
         {prune.prune ? "not in the file: drained first, its tasks and database replicas move to the other nodes"
                      : "not in the file: rsm up leaves it (--prune removes it)"}});
}

void plan_database(swarm::Environment& env, const EnvironmentFile& file, bool new_environment, bool new_nodes,
                   const PruneOptions& prune, Plan& plan) {
  Progress quiet(true);
  db::Cluster cluster(env, quiet);
  bool exists = !new_environment && !cluster.services().empty();
  if (!file.db) {
    if (!exists) return;
    if (prune.prune)
      plan.changes.push_back({"database",
                              "database",
                              "remove",
                              {prune.prune_data ? "with its volumes and password: its data goes"
                                                : "its volumes and password stay (--prune-data removes them)"}});
    else
      plan.changes.push_back({"database", "database", "keep", {"not in the file: rsm up leaves it"}});
    return;
  }
  if (!exists) {
    plan.changes.push_back({"database",
                            "database",
                            "create",
                            {fmt::format("image {}", file.db->image),
                             fmt::format("{} server(s) on each node", file.db->servers_per_node)}});
    return;
  }
  auto compared = cluster.compare(*file.db);
  for (const auto& service : compared.created)
    plan.changes.push_back({"database", service, "create", {"a server for a node without one"}});
  for (const auto& [service, differences] : compared.updated)
    plan.changes.push_back({"database", service, "update", differences});
  for (const auto& service : compared.removed)
    plan.changes.push_back({"database", service, "remove", {"its node is gone"}});
  if (new_nodes)
    plan.changes.push_back(
        {"database", "servers of the new nodes", "create", {fmt::format("image {}", file.db->image)}});
}

void plan_backups(swarm::Environment& env, const EnvironmentFile& file, bool new_environment, const PruneOptions& prune,
                  Plan& plan) {
  auto current = new_environment ? std::nullopt : db::backup::backup_schedule(env);
  if (!file.backups) {
    if (current)
      plan.changes.push_back({"backups",
                              db::backup::kScheduleService,
                              prune.prune ? "remove" : "keep",
                              {prune.prune ? "the archives stay in the volume" : "not in the file: rsm up leaves it"}});
    return;
  }
  if (!current) {
    plan.changes.push_back(
        {"backups",
         db::backup::kScheduleService,
         "create",
         {fmt::format("every {}, keeping {}", format_duration(file.backups->every), file.backups->keep)}});
    return;
  }
  std::vector<std::string> differences;
  if (current->every != file.backups->every)
    differences.push_back(
        fmt::format("every: {} -> {}", format_duration(current->every), format_duration(file.backups->every)));
  if (current->keep != file.backups->keep)
    differences.push_back(fmt::format("keep: {} -> {}", current->keep, file.backups->keep));
  if (!differences.empty()) plan.changes.push_back({"backups", db::backup::kScheduleService, "update", differences});
}

void plan_secrets(swarm::Environment& env, const EnvironmentFile& file, bool new_environment, Plan& plan) {
  Progress quiet(true);
  app::UserSecrets secrets(env, quiet);
  for (const auto& [name, value] : file.secrets) {
    auto holds = new_environment ? std::nullopt : secrets.holds_value(name, value);
    if (!holds)
      plan.changes.push_back({"secret", name, "create", {}});
    else if (!*holds)
      plan.changes.push_back({"secret", name, "update", {"a new value: the apps that mount it roll it out"}});
  }
}

void plan_apps(swarm::Environment& env, const EnvironmentFile& file, bool new_environment, const PruneOptions& prune,
               Plan& plan) {
  Progress quiet(true);
  app::Apps apps(env, quiet);
  std::set<std::string> coming_secrets;
  for (const auto& [name, value] : file.secrets) coming_secrets.insert(name);
  // The database's password comes with the database, which up makes before the apps.
  if (file.db) coming_secrets.insert(db::kPasswordSecret);
  std::vector<std::string> named;
  for (const auto& entry : file.apps) {
    named.push_back(entry.request.name);
    std::vector<std::string> differences;
    auto change = new_environment ? swarm::ServiceChange::Created
                                  : apps.compare(entry.request, entry.replicas, coming_secrets, differences);
    if (change == swarm::ServiceChange::Unchanged && !entry.source) continue;
    if (change == swarm::ServiceChange::Created) {
      differences = {fmt::format("image {}", entry.request.image),
                     fmt::format("{} replica(s)", entry.replicas.value_or(2))};
      if (!entry.request.ports.empty())
        differences.push_back(fmt::format("ports {}", fmt::join(entry.request.ports, ",")));
      if (!entry.request.hosts.empty())
        differences.push_back(fmt::format("hosts {}{}", fmt::join(entry.request.hosts, ","), entry.request.path));
    }
    // A build may make a new image: what it makes is known only once it ran.
    if (entry.source)
      differences.push_back(
          fmt::format("built from {} first (compared here with its last build)", entry.source->string()));
    std::string action = change == swarm::ServiceChange::Created   ? "create"
                         : change == swarm::ServiceChange::Updated ? "update"
                                                                   : "build";
    plan.changes.push_back({"app", entry.request.name, action, differences});
  }
  if (new_environment) return;
  for (const auto& name : apps.names())
    if (std::find(named.begin(), named.end(), name) == named.end())
      plan.changes.push_back(
          {"app",
           name,
           prune.prune ? "remove" : "keep",
           {prune.prune ? "not in the file" : "not in the file: rsm up leaves it (--prune removes it)"}});
}

}  // namespace

bool Plan::changes_anything() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const PlannedChange& change) { return change.action != "keep"; });
}

void check_images(const EnvironmentFile& file, bool new_environment, engine::Client& host) {
  std::vector<std::string> needed;
  if (file.db) needed.push_back(file.db->image);
  for (const auto& entry : file.apps)
    if (!entry.source) needed.push_back(entry.request.image);
  for (const auto& image : needed) {
    if (!new_environment || engine::has_image(host, image)) continue;
    try {
      engine::pull_image(host, image);
    } catch (const Error& e) {
      throw Error(
          fmt::format("image {} is not on this machine and cannot be pulled ({}); load it here "
                      "(docker load -i FILE) and run rsm up again: nothing was made",
                      image, e.what()));
    }
  }
}

swarm::CreateRequest missing_nodes(const std::vector<drivers::Node>& nodes, const swarm::CreateRequest& group) {
  swarm::CreateRequest missing = group;
  if (!group.hosts.empty()) {
    missing.hosts.clear();
    missing.advertise.clear();
    for (size_t i = 0; i < group.hosts.size(); ++i) {
      if (swarm::adopted_from(nodes, group.hosts[i])) continue;
      missing.hosts.push_back(group.hosts[i]);
      if (!group.advertise.empty()) missing.advertise.push_back(group.advertise[i]);
    }
    int count = static_cast<int>(missing.hosts.size());
    missing.managers = group.managers > 0 ? count : 0;
    missing.workers = group.managers > 0 ? 0 : count;
    return missing;
  }
  auto count = [&](drivers::Role role) {
    return static_cast<int>(std::count_if(nodes.begin(), nodes.end(), [&](const drivers::Node& n) {
      return n.role == role && n.driver == group.driver && (group.region.empty() || n.region == group.region);
    }));
  };
  missing.managers = std::max(0, group.managers - count(drivers::Role::Manager));
  missing.workers = std::max(0, group.workers - count(drivers::Role::Worker));
  return missing;
}

Plan make_plan(const EnvironmentFile& file, const PruneOptions& prune) {
  Progress quiet(true);
  swarm::Environment env(file.env, quiet);
  Plan plan{.env = file.env};
  auto nodes = env.nodes();
  bool new_environment = nodes.empty();
  engine::Client here(engine::Endpoint::from_environment());
  if (here.ping()) check_images(file, new_environment, here);
  auto surplus = surplus_nodes(nodes, file.node_groups);
  plan_nodes(file, nodes, surplus, prune, plan);
  bool new_nodes = plan.changes_anything();
  // Stopped machines are started first (up repairs them); without a manager that answers,
  // the rest can only be planned once they run.
  for (const auto& node : nodes)
    if (!node.running()) plan.changes.push_back({"node", node.name, "update", {"stopped: up starts it"}});
  if (!new_environment) {
    try {
      env.reachable_manager();
    } catch (const Error&) {
      plan.changes.push_back(
          {"swarm", file.env, "update", {"no manager answers yet: up starts the machines, then applies the rest"}});
      return plan;
    }
  }
  // Nodes that cannot go (the last manager, a majority of the managers) stop up before
  // anything changes.
  if (prune.prune && !new_environment) {
    std::vector<std::string> names;
    for (const auto& node : surplus) names.push_back(node.name);
    if (!names.empty()) swarm::leaving_nodes(env, names);
  }
  plan_database(env, file, new_environment, new_nodes, prune, plan);
  if (file.db) plan_backups(env, file, new_environment, prune, plan);
  plan_secrets(env, file, new_environment, plan);
  plan_apps(env, file, new_environment, prune, plan);
  return plan;
}

nlohmann::json to_json(const Plan& plan) {
  auto changes = nlohmann::json::array();
  for (const auto& change : plan.changes)
    changes.push_back(
        {{"kind", change.kind}, {"name", change.name}, {"action", change.action}, {"details", change.details}});
  return {{"env", plan.env}, {"changes", changes}, {"changes_anything", plan.changes_anything()}};
}

}  // namespace rsm::up
