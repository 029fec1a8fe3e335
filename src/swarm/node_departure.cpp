// The swarm's steps of removing nodes from a running environment: see node_departure.h.
// Every step looks at the swarm first and is skipped when done, so a second run after
// Ctrl-C carries on where the first stopped.
#include "swarm/node_departure.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "swarm/formation.h"
#include "swarm/mesh.h"
#include "swarm/objects.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::swarm {

using drivers::Node;

namespace {

constexpr auto kDrainTimeout = seconds(120);  // tasks stop within their grace period (10 s by default)
constexpr auto kDemoteTimeout = seconds(60);

bool named(const std::vector<Node>& nodes, const std::string& name) {
  return std::any_of(nodes.begin(), nodes.end(), [&](const Node& node) { return node.name == name; });
}

// A manager among the nodes that stay, asked again for every step: the one asked before
// may have been a leaving node, demoted since.
engine::Client staying_manager(const std::vector<Node>& staying, const std::string& env) {
  auto manager = answering_manager(staying);
  if (!manager) throw Error(fmt::format("no manager of {} that stays answers; see `rsm nodes ls {}`", env, env));
  return engine::Client(manager->engine);
}

std::optional<NodeView> swarm_entry(engine::Client& manager, const std::string& name) {
  auto entries = nodes_by_name(manager);
  auto entry = entries.find(name);
  if (entry == entries.end()) return std::nullopt;
  return entry->second;
}

// Until the replicated services that ran tasks on a drained node run all their tasks again
// elsewhere, so that the next node drains only then. One that cannot (a constraint only
// the leaving node met) is told, and the removal goes on: the node is going either way.
void wait_for_replacements(engine::Client& manager, const std::set<std::string>& services, const std::string& env,
                           Progress& progress) {
  for (const auto& id : services) {
    auto response = manager.request(engine::Method::Get, "/services/" + id);
    if (!response.ok()) continue;  // removed meanwhile
    auto service = ServiceView::from(json::parse(response.body));
    if (service.global) continue;
    bool back = poll_for(kDrainTimeout, milliseconds(250),
                         [&] { return running_tasks(service_tasks(manager, service.name)) >= service.replicas; });
    if (!back)
      progress.warn(fmt::format("{} runs fewer than its {} tasks on the other nodes; see `rsm status {}`", service.name,
                                service.replicas, env));
  }
}

void drain(const std::vector<Node>& staying, const Node& node, Progress& progress) {
  auto manager = staying_manager(staying, node.env);
  auto entry = swarm_entry(manager, node.name);
  if (!entry) return;
  std::set<std::string> moved;  // services whose tasks run there
  for (const auto& task : node_tasks(manager, entry->id))
    if (task.running()) moved.insert(task.service_id);
  if (entry->availability != "drain") {
    progress.step(node.name, "draining: its tasks start on the other nodes");
    json spec = entry->spec;
    spec["Availability"] = "drain";
    update_node(manager, *entry, spec);
  }
  if (!entry->ready()) return;  // a node that is down runs nothing
  std::vector<std::string> running;
  poll_until(
      kDrainTimeout, milliseconds(250),
      [&] {
        return fmt::format("{} still runs {} task(s) after being drained; run this again, or see `rsm status {}`",
                           node.name, running.size(), node.env);
      },
      [&] {
        running.clear();
        for (const auto& task : node_tasks(manager, entry->id))
          if (task.state == "running") running.push_back(task.id);
        return running.empty();
      });
  wait_for_replacements(manager, moved, node.env, progress);
}

void demote(const std::vector<Node>& staying, const Node& node, Progress& progress) {
  auto manager = staying_manager(staying, node.env);
  auto entry = swarm_entry(manager, node.name);
  if (!entry || !entry->manager) return;
  progress.step(node.name, "demoting: the other managers keep the swarm");
  json spec = entry->spec;
  spec["Role"] = "worker";
  spec["Labels"]["rsm.role"] = "worker";
  update_node(manager, *entry, spec);
  poll_until(
      kDemoteTimeout, milliseconds(250),
      [&] {
        return fmt::format("{} is still a manager; run this again, or see `rsm nodes ls {}`", node.name, node.env);
      },
      [&] {
        auto now = swarm_entry(manager, node.name);
        return !now || !now->manager;
      });
}

// The node leaves (its own engine says so, where it answers) and the managers forget it.
void leave(const std::vector<Node>& staying, const Node& node, Progress& progress) {
  if (node.running())
    ignore_failure("a node that cannot leave is forgotten by the managers all the same",
                   [&] { engine::Client(node.engine).post("/swarm/leave"); });
  auto manager = staying_manager(staying, node.env);
  if (auto entry = swarm_entry(manager, node.name)) {
    progress.step(node.name, "left the swarm");
    manager.remove_if_present("/nodes/" + entry->id + "?force=1");
  }
}

}  // namespace

std::vector<Node> leaving_nodes(Environment& env, const std::vector<std::string>& names) {
  auto nodes = env.existing_nodes();
  std::vector<Node> leaving, staying;
  for (const auto& name : names)
    if (!named(nodes, name))
      throw UsageError(fmt::format("{} has no node {}; see `rsm nodes ls {}`", env.name(), name, env.name()));
  for (const auto& node : nodes)
    (std::find(names.begin(), names.end(), node.name) != names.end() ? leaving : staying).push_back(node);
  if (staying.empty())
    throw UsageError(fmt::format("that is every node of {}: `rsm nodes rm {}` (no names) removes the environment",
                                 env.name(), env.name()));

  engine::Client manager(env.reachable_manager().engine);
  int managers = 0, answering = 0;
  for (const auto& entry : list_nodes(manager)) {
    if (!entry.manager || !named(staying, entry.name)) continue;
    ++managers;
    answering += entry.reachability == "reachable";
  }
  if (managers == 0)
    throw UsageError(
        fmt::format("{} would have no manager left: promote a node that stays first (rsm nodes promote {} "
                    "NODE)",
                    env.name(), env.name()));
  if (2 * answering <= managers)
    throw UsageError(
        fmt::format("only {} of the {} managers of {} that stay answer, too few to keep the swarm: start "
                    "them first (rsm nodes start {})",
                    answering, managers, env.name(), env.name()));
  return leaving;
}

void depart(Environment& env, const std::vector<Node>& leaving, bool forget_unreachable, Progress& progress) {
  std::vector<Node> staying;
  for (const auto& node : env.nodes())
    if (!named(leaving, node.name)) staying.push_back(node);
  for (const auto& node : leaving) {
    drain(staying, node, progress);
    demote(staying, node, progress);
    leave(staying, node, progress);
    env.remove_machine(node, forget_unreachable, true);
  }
  apply_mesh(env, progress);
}

}  // namespace rsm::swarm
