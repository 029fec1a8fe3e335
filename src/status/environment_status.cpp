// Reading an environment's status: see environment_status.h.
#include "status/environment_status.h"

#include <exception>
#include <functional>
#include <mutex>

#include <fmt/format.h>

#include "db/cluster.h"
#include "proxy/edge_proxy.h"
#include "status/findings.h"
#include "swarm/objects.h"
#include "util/error.h"
#include "util/parallel.h"

namespace rsm::status {

namespace {

// The edge proxy's state on every node that should run it; empty when no app publishes a
// port (there is no proxy then).
void read_edge(swarm::Environment& env, EnvironmentStatus& status) {
  engine::Client manager(env.reachable_manager().engine);
  if (!swarm::find_service(manager, proxy::kServiceName)) return;
  status.has_edge = true;
  auto tasks = swarm::service_tasks(manager, proxy::kServiceName);
  for (const auto& node : swarm::list_nodes(manager)) {
    if (!node.ready() || node.availability != "active") continue;
    EdgeState state{.node = node.name};
    std::vector<swarm::TaskView> here;
    for (const auto& task : tasks)
      if (task.node_id == node.id) here.push_back(task);
    state.running = swarm::running_tasks(here) > 0;
    if (!state.running) state.failure = swarm::task_failure(here).value_or("");
    status.edge.push_back(std::move(state));
  }
}

}  // namespace

EnvironmentStatus read_status(const std::string& env_name) {
  EnvironmentStatus status{.env = env_name};
  std::mutex mutex;
  std::exception_ptr no_nodes;
  // Each reader has its own Environment: an Environment is not shared between threads.
  auto read = [&](const char* part, const std::function<void(swarm::Environment&, Progress&)>& reader) {
    return [&, part, reader] {
      Progress quiet(true);
      try {
        swarm::Environment env(env_name, quiet);
        reader(env, quiet);
      } catch (const Error& e) {
        std::lock_guard lock(mutex);
        status.unreadable.push_back(fmt::format("{}: {}", part, e.what()));
      }
    };
  };
  std::vector<std::function<void()>> readers{
      [&] {
        Progress quiet(true);
        try {
          swarm::Environment env(env_name, quiet);
          status.nodes = env.status();
        } catch (...) {
          no_nodes = std::current_exception();
        }
      },
      read("the database",
           [&](swarm::Environment& env, Progress& quiet) {
             db::Cluster cluster(env, quiet);
             if (cluster.services().empty()) return;
             status.has_database = true;
             status.db = cluster.status();
           }),
      read("the apps",
           [&](swarm::Environment& env, Progress& quiet) {
             status.apps = app::Apps(env, quiet).list();
             read_edge(env, status);
           }),
  };
  for_each_parallel(readers, [](const std::function<void()>& reader) { reader(); });
  if (no_nodes) std::rethrow_exception(no_nodes);
  status.problems = find_problems(status);
  return status;
}

nlohmann::json to_json(const EnvironmentStatus& status) {
  auto nodes = nlohmann::json::array();
  for (const auto& row : status.nodes) nodes.push_back(swarm::to_json(row));
  auto apps = nlohmann::json::array();
  for (const auto& row : status.apps) apps.push_back(app::to_json(row));
  nlohmann::json edge = nullptr;
  if (status.has_edge) {
    edge = nlohmann::json::array();
    for (const auto& state : status.edge)
      edge.push_back({{"node", state.node}, {"running", state.running}, {"failure", state.failure}});
  }
  auto managers = count_managers(status.nodes);
  return {{"env", status.env},
          {"well", status.well()},
          {"problems", status.problems},
          {"nodes", nodes},
          {"managers", {{"all", managers.all}, {"reachable", managers.reachable}, {"quorum", managers.quorum()}}},
          {"db", status.db ? db::to_json(*status.db) : nlohmann::json(nullptr)},
          {"has_database", status.has_database},
          {"apps", apps},
          {"edge", edge},
          {"unreadable", status.unreadable}};
}

}  // namespace rsm::status
