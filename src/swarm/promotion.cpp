#include "swarm/promotion.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "swarm/formation.h"
#include "util/error.h"

namespace rsm::swarm {

using engine::json;

namespace {

// The swarm's entry for each hostname (the live one where a machine was made again).
std::map<std::string, json> entries_by_hostname(const drivers::Node& manager) {
  std::map<std::string, json> entries;
  for (const auto& entry : swarm_nodes(manager)) {
    auto& slot = entries[entry["Description"].value("Hostname", "")];
    if (slot.is_null() || slot["Status"].value("State", "") == "down") slot = entry;
  }
  return entries;
}

bool is_manager(const json& entry) { return entry["Spec"].value("Role", "") == "manager"; }

}  // namespace

std::vector<std::string> promote(const std::vector<drivers::Node>& nodes, const std::vector<std::string>& names,
                                 Progress& progress) {
  if (nodes.empty()) throw UsageError("this environment has no nodes");
  const std::string& env = nodes.front().env;
  auto manager = reachable_manager(nodes);
  if (!manager)
    throw Error(fmt::format("no manager of {} answers: start the environment first (rsm nodes start {})", env, env));
  auto entries = entries_by_hostname(*manager);

  std::vector<std::string> targets;
  if (!names.empty()) {
    for (const auto& name : names) {
      if (!entries.contains(name))
        throw UsageError(fmt::format("{} has no node {} in its swarm; see `rsm nodes ls {}`", env, name, env));
      if (!is_manager(entries[name])) targets.push_back(name);
    }
  } else {
    int managers = static_cast<int>(std::count_if(entries.begin(), entries.end(), [](const auto& e) {
      return is_manager(e.second) && e.second["Status"].value("State", "") != "down";
    }));
    for (const auto& node : nodes) {  // managers first, then workers by number
      if (managers >= kManagersForHighAvailability) break;
      auto it = entries.find(node.name);
      if (it == entries.end() || is_manager(it->second) || it->second["Status"].value("State", "") != "ready") continue;
      targets.push_back(node.name);
      ++managers;
    }
  }

  engine::Client client(manager->engine);
  for (const auto& name : targets) {
    const json& entry = entries[name];
    json spec = entry["Spec"];
    spec["Role"] = "manager";
    spec["Labels"]["rsm.role"] = "manager";
    progress.step(name, "promoting to manager");
    client.post(fmt::format("/nodes/{}/update?version={}", entry["ID"].get<std::string>(),
                            entry["Version"]["Index"].get<long>()),
                spec);
  }

  // Done when every promoted node takes part in the managers' Raft group.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto now_entries = entries_by_hostname(*manager);
    std::vector<std::string> waiting;
    for (const auto& name : targets) {
      const json& entry = now_entries[name];
      if (!entry.contains("ManagerStatus") || entry["ManagerStatus"].value("Reachability", "") != "reachable")
        waiting.push_back(name);
    }
    if (waiting.empty()) return targets;
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(fmt::format("{} did not become reachable managers within 60 s; see `rsm nodes ls {}`",
                              fmt::join(waiting, ", "), env));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace rsm::swarm
