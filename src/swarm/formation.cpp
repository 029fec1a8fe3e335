// Init, joins, labels and the wait for every node to be ready, each step skipped when the
// engines say it is done already.
#include "swarm/formation.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "swarm/labels.h"
#include "swarm/objects.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/poll.h"

namespace rsm::swarm {

using drivers::Node;
using drivers::Role;
using engine::json;

namespace {

constexpr int kSwarmPort = 2377;

json engine_info(const Node& node) { return engine::Client(node.engine).get("/info"); }

std::string local_state(const json& info) { return info["Swarm"].value("LocalNodeState", ""); }
bool is_manager(const json& info) {
  return local_state(info) == "active" && info["Swarm"].value("ControlAvailable", false);
}

void init_swarm(const Node& node, Progress& progress) {
  progress.step(node.name, fmt::format("initialising the swarm (advertising {})", node.address));
  engine::Client(node.engine)
      .post("/swarm/init", {{"ListenAddr", fmt::format("0.0.0.0:{}", kSwarmPort)}, {"AdvertiseAddr", node.address}});
}

void join_swarm(const Node& node, const json& info, const Node& manager, const std::string& token, Progress& progress) {
  engine::Client client(node.engine);
  // A node stuck half-way (pending, error) from an interrupted join leaves before joining again.
  if (local_state(info) != "inactive") {
    progress.step(node.name, fmt::format("leaving its {} swarm state", local_state(info)));
    client.post("/swarm/leave?force=1");
  }
  progress.step(node.name, fmt::format("joining the swarm as {}", drivers::role_name(node.role)));
  client.checked(engine::Method::Post, "/swarm/join",
                 {.body = json{{"ListenAddr", fmt::format("0.0.0.0:{}", kSwarmPort)},
                               {"AdvertiseAddr", node.address},
                               {"RemoteAddrs", {fmt::format("{}:{}", manager.address, kSwarmPort)}},
                               {"JoinToken", token}},
                  .timeout_seconds = 90});
}

}  // namespace

void label_node(engine::Client& manager, const NodeView& entry, const Node& node) {
  // rsm.role follows the node's role in the swarm (a worker may have been promoted since
  // its machine was made), not the role its machine was made with.
  json wanted{{kEnvLabel, node.env},
              {kNodeLabel, node.name},
              {"rsm.role", entry.role.empty() ? std::string(drivers::role_name(node.role)) : entry.role},
              {"rsm.driver", node.driver}};
  if (!node.region.empty()) wanted["rsm.region"] = node.region;
  json spec = entry.spec;
  json labels = spec.value("Labels", json::object());
  bool same = true;
  for (auto& [key, value] : wanted.items()) same = same && labels.value(key, "") == value;
  if (same) return;
  for (auto& [key, value] : wanted.items()) spec["Labels"][key] = value;
  update_node(manager, entry, spec);
}

namespace {

// The machine of this name is now another swarm node (it was made again, or left and
// rejoined): the old entry can never come back, so it goes, whatever state the managers
// still think it is in. A manager entry is demoted first, as the engine requires.
void forget_stale_entry(engine::Client& manager, const NodeView& entry) {
  ignore_failure("an entry that cannot go yet is tried again on the next look, and by the next create", [&] {
    if (entry.manager) {
      json spec = entry.spec;
      spec["Role"] = "worker";
      update_node(manager, entry, spec);
    }
    manager.remove_if_present("/nodes/" + entry.id + "?force=1");
  });
}

// Labels each node, removes entries left by earlier machines of the same name, and
// waits until every node is ready.
void settle(const Node& manager, const std::vector<Node>& nodes, const std::map<std::string, std::string>& node_ids) {
  engine::Client client(manager.engine);
  std::set<std::string> labelled;
  std::vector<std::string> waiting;
  poll_until(
      seconds(90), milliseconds(200),
      [&] {
        return fmt::format("the swarm of {} does not list {} as ready; see `rsm nodes ls {}`", manager.env,
                           fmt::join(waiting, ", "), manager.env);
      },
      [&] {
        waiting.clear();
        for (const auto& entry : list_nodes(client)) {
          // Ours by the ID its engine gave; an entry under one of our names with another
          // ID is an earlier machine of that name.
          auto ours =
              std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return node_ids.at(n.name) == entry.id; });
          if (ours == nodes.end()) {
            if (node_ids.contains(entry.name)) forget_stale_entry(client, entry);
            continue;
          }
          if (!labelled.contains(entry.id)) {
            label_node(client, entry, *ours);
            labelled.insert(entry.id);
          }
          if (!entry.ready()) waiting.push_back(ours->name);
        }
        for (const auto& [name, id] : node_ids)
          if (!labelled.contains(id) && std::find(waiting.begin(), waiting.end(), name) == waiting.end())
            waiting.push_back(name);
        return waiting.empty();
      });
}

}  // namespace

std::optional<Node> answering_manager(const std::vector<Node>& nodes) {
  // Machines made as managers are asked first; a promoted worker only when none answers
  // (its machine's role stays "worker"), as after the first managers were removed.
  for (bool made_as_manager : {true, false})
    for (const auto& node : nodes) {
      if ((node.role == Role::Manager) != made_as_manager || !node.running()) continue;
      bool manager = false;
      ignore_failure("an engine that does not answer is not the manager sought",
                     [&] { manager = is_manager(engine_info(node)); });
      if (manager) return node;
    }
  return std::nullopt;
}

void form_swarm(const std::vector<Node>& nodes, Progress& progress) {
  std::map<std::string, json> infos;
  for (const auto& node : nodes) infos[node.name] = engine_info(node);

  std::optional<Node> manager;
  for (const auto& node : nodes)
    if (!manager && is_manager(infos[node.name])) manager = node;
  if (!manager) {
    auto first = std::find_if(nodes.begin(), nodes.end(), [](const Node& n) { return n.role == Role::Manager; });
    if (first == nodes.end()) throw UsageError("an environment needs a manager first: add one with -m 1");
    if (local_state(infos[first->name]) != "inactive") engine::Client(first->engine).post("/swarm/leave?force=1");
    init_swarm(*first, progress);
    manager = *first;
    infos[first->name] = engine_info(*first);
  }

  json tokens = engine::Client(manager->engine).get("/swarm")["JoinTokens"];
  std::vector<Node> workers;
  for (const auto& node : nodes) {
    if (local_state(infos[node.name]) == "active") continue;
    if (node.role == Role::Worker) {
      workers.push_back(node);
      continue;
    }
    join_swarm(node, infos[node.name], *manager, tokens["Manager"], progress);
  }
  for_each_parallel(
      workers, [&](const Node& node) { join_swarm(node, infos[node.name], *manager, tokens["Worker"], progress); });

  std::map<std::string, std::string> node_ids;
  for (const auto& node : nodes) node_ids[node.name] = engine_info(node)["Swarm"].value("NodeID", "");
  progress.step(manager->name, "waiting until every node is ready");
  settle(*manager, nodes, node_ids);
}

}  // namespace rsm::swarm
