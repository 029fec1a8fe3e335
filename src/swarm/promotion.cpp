// Promotion through the managers' node updates, then a wait until each promoted node is a
// reachable member of the managers' Raft group.
#include "swarm/promotion.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "swarm/objects.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::swarm {

std::vector<std::string> promote(Environment& environment, const std::vector<std::string>& names, Progress& progress) {
  const std::string& env = environment.name();
  auto nodes = environment.nodes();
  engine::Client client(environment.reachable_manager().engine);
  auto entries = nodes_by_name(client);

  std::vector<std::string> targets;
  if (!names.empty()) {
    for (const auto& name : names) {
      auto entry = entries.find(name);
      if (entry == entries.end())
        throw UsageError(fmt::format("{} has no node {} in its swarm; see `rsm nodes ls {}`", env, name, env));
      if (entry->second.role != "manager") targets.push_back(name);
    }
  } else {
    int managers = static_cast<int>(std::count_if(
        entries.begin(), entries.end(), [](const auto& e) { return e.second.role == "manager" && !e.second.down(); }));
    for (const auto& node : nodes) {  // managers first, then workers by number
      if (managers >= kManagersForHighAvailability) break;
      auto it = entries.find(node.name);
      if (it == entries.end() || it->second.role == "manager" || !it->second.ready()) continue;
      targets.push_back(node.name);
      ++managers;
    }
  }

  for (const auto& name : targets) {
    const NodeView& entry = entries.at(name);
    json spec = entry.spec;
    spec["Role"] = "manager";
    spec["Labels"]["rsm.role"] = "manager";
    progress.step(name, "promoting to manager");
    update_node(client, entry, spec);
  }

  std::vector<std::string> waiting;
  poll_until(
      seconds(60), milliseconds(200),
      [&] {
        return fmt::format("{} did not become reachable managers; see `rsm nodes ls {}`", fmt::join(waiting, ", "),
                           env);
      },
      [&] {
        auto now = nodes_by_name(client);
        waiting.clear();
        for (const auto& name : targets)
          if (auto it = now.find(name); it == now.end() || it->second.reachability != "reachable")
            waiting.push_back(name);
        return waiting.empty();
      });
  return targets;
}

std::string managers_advice(const std::string& env, const std::vector<NodeView>& nodes) {
  if (nodes.size() < 3) return "";
  int managers = 0;
  std::vector<std::string> down;
  for (const auto& node : nodes) {
    if (node.role != "manager") continue;
    ++managers;
    if (!node.ready()) down.push_back(node.name);
  }
  if (managers < kManagersForHighAvailability)
    return fmt::format(
        "{} has {} manager(s): with one down the swarm restarts nothing, so the cluster is not highly available; "
        "promote {} more: rsm nodes promote {}",
        env, managers, kManagersForHighAvailability - managers, env);
  if (down.empty()) return "";
  bool majority_lost = 2 * (managers - static_cast<int>(down.size())) <= managers;
  return fmt::format("{} of {}'s {} managers {} not ready ({}): start {} (rsm nodes start {}){}", down.size(), env,
                     managers, down.size() == 1 ? "is" : "are", fmt::join(down, ", "), down.size() == 1 ? "it" : "them",
                     env,
                     majority_lost ? ": the swarm has lost its majority and changes nothing until then"
                                   : " before another fails, or the swarm loses its majority");
}

}  // namespace rsm::swarm
