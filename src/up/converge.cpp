// Images first (so a missing one stops up before anything is made), then nodes up to the
// file's counts, the database, and each app; with prune, what the file no longer names
// goes last (apps, then nodes).
#include "up/converge.h"

#include <algorithm>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "app/apps.h"
#include "app/user_secrets.h"
#include "build/image_build.h"
#include "db/backup/schedule.h"
#include "db/cluster.h"
#include "drivers/local/node_image.h"
#include "engine/image_transfer.h"
#include "proxy/edge_proxy.h"
#include "swarm/environment.h"
#include "up/node_removal.h"
#include "up/plan.h"
#include "util/parallel.h"

namespace rsm::up {

namespace {

void build_sources(const EnvironmentFile& file, engine::Client& engine, Progress& progress) {
  for (const auto& entry : file.apps)
    if (entry.source)
      build::build_image(
          engine,
          {.project = *entry.source, .image = entry.request.image, .target = entry.target, .packages = entry.packages},
          progress);
}

// What a run builds here, at once where it can: the apps' sources (each with its
// builder), the node image for local nodes still to be made, the edge proxy's image for
// apps with ports. The steps that use them then find them made.
void make_images(const EnvironmentFile& file, const std::vector<drivers::Node>& nodes, const engine::Endpoint& here,
                 Progress& progress) {
  std::vector<std::function<void()>> jobs;
  jobs.push_back([&] {
    engine::Client engine(here);
    build_sources(file, engine, progress);
  });
  bool local_nodes_to_make = std::any_of(file.node_groups.begin(), file.node_groups.end(), [&](const auto& group) {
    auto missing = missing_nodes(nodes, group);
    return group.driver == "local" && missing.managers + missing.workers > 0;
  });
  if (local_nodes_to_make)
    jobs.push_back([&] {
      engine::Client engine(here);
      drivers::ensure_node_image(engine, progress);
    });
  bool ports = std::any_of(file.apps.begin(), file.apps.end(), [](const AppEntry& entry) {
    return !entry.request.ports.empty() || !entry.request.hosts.empty();
  });
  if (ports)
    jobs.push_back([&] {
      engine::Client engine(here);
      proxy::ensure_proxy_image(engine, progress);
    });
  for_each_parallel(jobs, [](const std::function<void()>& job) { job(); });
}

// What the file does not name: apps, the backup schedule, the database (its data only
// with prune_data).
void remove_unnamed(swarm::Environment& env, const EnvironmentFile& file, const PruneOptions& prune, UpSummary& summary,
                    Progress& progress) {
  app::Apps apps(env, progress);
  for (const auto& name : apps.names()) {
    bool named = std::any_of(file.apps.begin(), file.apps.end(),
                             [&](const AppEntry& entry) { return entry.request.name == name; });
    if (named) continue;
    apps.remove(name);
    summary.removed.push_back("app " + name);
  }
  if (file.db) {
    if (!file.backups && db::backup::unschedule_backups(env)) {
      progress.step(db::backup::kScheduleService, "stopped: the file names no backups; the archives stay");
      summary.removed.push_back("backups");
    }
    return;
  }
  db::Cluster cluster(env, progress);
  if (cluster.services().empty()) return;
  cluster.remove(!prune.prune_data);
  summary.removed.push_back("database");
}

}  // namespace

UpSummary up(const EnvironmentFile& file, const PruneOptions& prune, Progress& progress) {
  swarm::Environment env(file.env, progress);
  UpSummary summary;
  // Without an engine here (a machine without Docker driving machines elsewhere) nothing
  // is checked first: the nodes pull what they need, and a manager builds the sources.
  engine::Client here(engine::Endpoint::from_environment());
  bool engine_here = here.ping();
  auto nodes = env.nodes();
  if (engine_here) {
    check_images(file, nodes.empty(), here);
    make_images(file, nodes, here.endpoint(), progress);
  }

  // The file says which nodes there should be; create adds what is missing of each group
  // (and finishes what an interrupted run left: stopped nodes, nodes outside the swarm).
  for (const auto& group : file.node_groups) {
    auto missing = missing_nodes(nodes, group);
    if (missing.managers + missing.workers == 0) continue;
    env.create(missing);
    summary.nodes_added += missing.managers + missing.workers;
    nodes = env.nodes();
  }
  if (summary.nodes_added == 0) env.create({});
  summary.nodes = static_cast<int>(nodes.size());  // create({}) only finishes what is there
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

  // Secrets before the apps that mount them; a new value rolls out to the apps using it.
  app::UserSecrets secrets(env, progress);
  for (const auto& [name, value] : file.secrets)
    if (secrets.set(name, value).changed) summary.secrets_changed.push_back(name);

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
    if (!entry.request.hosts.empty())
      summary.apps.back().routes = proxy::route_urls(entry.request.hosts, entry.request.path, entry.request.tls_on());
  }
  if (prune.prune) {
    remove_unnamed(env, file, prune, summary, progress);
    std::vector<std::string> surplus;
    for (const auto& node : surplus_nodes(nodes, file.node_groups)) surplus.push_back(node.name);
    if (!surplus.empty())
      for (const auto& name : remove_nodes(env, surplus, false, progress).nodes) {
        summary.removed.push_back("node " + name);
        --summary.nodes;
      }
  }
  return summary;
}

void down(const std::string& env_name, Progress& progress) { swarm::Environment(env_name, progress).remove(); }

}  // namespace rsm::up
