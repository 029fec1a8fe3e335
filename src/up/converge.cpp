// Images first (so a missing one stops up before anything is made), then nodes up to the
// file's counts, the database, and each app.
#include "up/converge.h"

#include <algorithm>

#include <fmt/format.h>

#include "app/apps.h"
#include "build/image_build.h"
#include "db/backup/schedule.h"
#include "db/cluster.h"
#include "engine/image_transfer.h"
#include "proxy/edge_proxy.h"
#include "swarm/environment.h"

namespace rsm::up {

namespace {

// What up needs from this machine comes first, so that a missing image stops it before
// anything is made: for a new environment every image must be here or pullable (nodes
// that exist may hold images this machine lacks; loading them finds out).
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

void build_sources(const EnvironmentFile& file, engine::Client& engine, Progress& progress) {
  for (const auto& entry : file.apps)
    if (entry.source)
      build::build_image(engine,
                         {.project = *entry.source,
                          .image = entry.request.image,
                          .target = entry.target,
                          .ports = entry.request.ports},
                         progress);
}

// What of the group is not there yet: hosts not adopted, or the count of a role short of
// the group's, counting the nodes of its driver (and region).
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

}  // namespace

UpSummary up(const EnvironmentFile& file, Progress& progress) {
  swarm::Environment env(file.env, progress);
  UpSummary summary;
  // Without an engine here (a machine without Docker driving machines elsewhere) nothing
  // is checked first: the nodes pull what they need, and a manager builds the sources.
  engine::Client here(engine::Endpoint::from_environment());
  bool engine_here = here.ping();
  if (engine_here) {
    check_images(file, env.nodes().empty(), here);
    build_sources(file, here, progress);
  }

  // The file says which nodes there should be; create adds what is missing of each group
  // (and finishes what an interrupted run left: stopped nodes, nodes outside the swarm).
  for (const auto& group : file.node_groups) {
    auto missing = missing_nodes(env.nodes(), group);
    if (missing.managers + missing.workers == 0) continue;
    env.create(missing);
    summary.nodes_added += missing.managers + missing.workers;
  }
  if (summary.nodes_added == 0) env.create({});
  summary.nodes = static_cast<int>(env.nodes().size());
  if (!engine_here) {
    engine::Client manager(env.reachable_manager().engine);
    build_sources(file, manager, progress);
  }

  if (file.db) {
    auto result = db::Cluster(env, progress).create(*file.db);
    summary.db_servers = static_cast<int>(result.servers.size());
    for (const auto* list : {&result.created, &result.updated, &result.removed})
      summary.db_changed.insert(summary.db_changed.end(), list->begin(), list->end());
    if (file.backups) db::backup::schedule_backups(env, file.backups->every, file.backups->keep, progress);
  }

  app::Apps apps(env, progress);
  for (const auto& entry : file.apps) {
    auto outcome = apps.deploy(entry.request, entry.replicas);
    summary.apps.push_back({entry.request.name,
                            outcome == app::DeployOutcome::Created   ? "created"
                            : outcome == app::DeployOutcome::Updated ? "updated"
                                                                     : "unchanged",
                            entry.request.ports});
    for (int port : entry.request.ports)
      for (auto& url : proxy::urls(env, port)) summary.apps.back().urls.push_back(std::move(url));
  }
  return summary;
}

void down(const std::string& env_name, Progress& progress) { swarm::Environment(env_name, progress).remove(); }

}  // namespace rsm::up
