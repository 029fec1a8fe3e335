// The rules of what is not well: see findings.h.
#include "status/findings.h"

#include <fmt/format.h>

#include "proxy/edge_proxy.h"

namespace rsm::status {

namespace {

void judge_nodes(const EnvironmentStatus& status, std::vector<std::string>& problems) {
  const std::string& env = status.env;
  for (const auto& row : status.nodes) {
    const std::string& name = row.node.name;
    if (!row.node.running())
      problems.push_back(
          fmt::format("node {} is not running ({}): `rsm nodes start {}` starts it", name, row.node.state, env));
    else if (row.swarm_state == "unreachable")
      problems.push_back(fmt::format(
          "the engine of node {} does not answer: look at the machine (`rsm nodes ssh {} {}`)", name, env, name));
    else if (row.swarm_state != "active")
      problems.push_back(
          fmt::format("node {} is not in the swarm ({}): `rsm nodes start {}` joins it", name, row.swarm_state, env));
    else if (row.status == "down")
      problems.push_back(
          fmt::format("the managers see node {} down: `rsm nodes start {}` waits for it to join", name, env));
    else if (!row.availability.empty() && row.availability != "active")
      problems.push_back(fmt::format(
          "node {} takes no tasks (availability {}): `docker node update --availability active {}` on a manager "
          "(`eval $(rsm nodes env {})` points docker there)",
          name, row.availability, name, env));
  }
  auto managers = count_managers(status.nodes);
  if (managers.all > 0 && !managers.quorum())
    problems.push_back(fmt::format(
        "the swarm has lost its quorum ({} of {} managers reachable): it changes nothing until a majority is back; "
        "`rsm nodes start {}`",
        managers.reachable, managers.all, env));
}

void judge_apps(const EnvironmentStatus& status, std::vector<std::string>& problems) {
  for (const auto& app : status.apps) {
    if (app.running < app.replicas)
      problems.push_back(fmt::format("app {} runs {} of {} tasks{}: `rsm app ps {} {}` shows each task", app.name,
                                     app.running, app.replicas, app.failure.empty() ? "" : " (" + app.failure + ")",
                                     status.env, app.name));
    if (app.update == "paused" || app.update == "rollback_paused")
      problems.push_back(
          fmt::format("app {}'s update stopped halfway ({}): deploy it again, or `rsm app rollback {} {}`", app.name,
                      app.update, status.env, app.name));
    else if (app.update == "rollback_completed" && app.update_message.find("manually") == std::string::npos)
      problems.push_back(
          fmt::format("app {}'s last update failed and was rolled back to {}: `rsm app logs {} {}` "
                      "says why; deploy a mended image",
                      app.name, app.image, status.env, app.name));
  }
}

void judge_edge(const EnvironmentStatus& status, std::vector<std::string>& problems) {
  for (const auto& state : status.edge)
    if (!state.running)
      problems.push_back(fmt::format(
          "the edge proxy does not run on {}{}, so the apps' ports do not answer there: `docker service ps {}` on a "
          "manager says why",
          state.node, state.failure.empty() ? "" : " (" + state.failure + ")", proxy::kServiceName));
}

}  // namespace

Managers count_managers(const std::vector<swarm::NodeStatus>& nodes) {
  Managers managers;
  for (const auto& row : nodes) {
    if (row.role() != "manager") continue;
    ++managers.all;
    managers.reachable += row.manager_status == "leader" || row.manager_status == "reachable";
  }
  return managers;
}

std::vector<std::string> find_problems(const EnvironmentStatus& status) {
  std::vector<std::string> problems;
  judge_nodes(status, problems);
  for (const auto& part : status.unreadable) problems.push_back("cannot read " + part);
  if (status.db) problems.insert(problems.end(), status.db->problems.begin(), status.db->problems.end());
  judge_apps(status, problems);
  judge_edge(status, problems);
  return problems;
}

}  // namespace rsm::status
