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

}  // namespace rsm::swarm
