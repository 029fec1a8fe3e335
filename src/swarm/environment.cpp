// Environments across drivers: the nodes each driver lists, and what is done to all of
// them together (create, start, stop, remove, status, a command everywhere).
#include "swarm/environment.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "engine/client.h"
#include "swarm/firewall.h"
#include "swarm/formation.h"
#include "swarm/mesh.h"
#include "swarm/objects.h"
#include "util/error.h"
#include "util/line_splitter.h"
#include "util/names.h"
#include "util/parallel.h"

namespace rsm::swarm {

using drivers::Node;
using drivers::Role;

Environment::Environment(std::string name, Progress& progress) : name_(std::move(name)), progress_(progress) {
  validate_env_name(name_);
  // All drivers are made up front: the map is then only read, also from worker threads.
  for (auto driver_name : drivers::driver_names())
    drivers_.emplace(std::string(driver_name), drivers::make_driver(driver_name));
}

drivers::NodeDriver& Environment::driver(const std::string& name) {
  auto found = drivers_.find(name);
  if (found == drivers_.end()) {
    drivers::make_driver(name);  // throws UsageError naming the known drivers
    throw Error(fmt::format("driver {} was not set up for environment {}", name, name_));
  }
  return *found->second;
}

std::vector<Node> Environment::nodes() {
  std::vector<Node> all;
  unlisted_.clear();
  for (auto name : drivers::driver_names()) {
    try {
      auto listed = driver(std::string(name)).list(name_);
      all.insert(all.end(), listed.begin(), listed.end());
    } catch (const engine::NoEngineError& e) {
      unlisted_ = e.what();
    }
  }
  for (auto& node : all)
    if (node.in_mesh) node.address = mesh_address(node.role, node.index);
  return all;
}

std::vector<Node> Environment::existing_nodes() {
  auto all = nodes();
  if (all.empty() && !unlisted_.empty())
    throw Error(
        fmt::format("environment {} has no nodes rsm can see; local nodes would be on this machine's "
                    "engine, which does not answer: {}",
                    name_, unlisted_));
  if (all.empty()) throw no_nodes_error(name_);
  return all;
}

std::vector<RunningTask> Environment::running(engine::Client& manager, const std::vector<TaskView>& tasks) {
  std::map<std::string, std::string> names;  // node ID -> rsm's name for it
  for (const auto& node : list_nodes(manager)) names[node.id] = node.name;
  std::vector<TaskView> by_slot(tasks);
  std::stable_sort(by_slot.begin(), by_slot.end(), [](const auto& a, const auto& b) { return a.slot < b.slot; });
  auto machines = nodes();
  std::vector<RunningTask> result;
  for (const auto& task : by_slot) {
    if (!task.running() || task.container_id.empty()) continue;
    auto machine = std::find_if(machines.begin(), machines.end(),
                                [&](const drivers::Node& node) { return node.name == names[task.node_id]; });
    if (machine != machines.end()) result.push_back({*machine, task.container_id});
  }
  return result;
}

drivers::Node Environment::reachable_manager() {
  auto manager = answering_manager(existing_nodes());
  if (!manager) throw no_manager_error(name_);
  return *manager;
}

std::string Environment::node_socket(const drivers::Node& node, const std::string& name) {
  return driver(node.driver).node_socket(node, name);
}

void Environment::protect(const std::vector<Node>& machines, const std::vector<int>& edge_ports) {
  for (auto& [name, driver] : drivers_) driver->protect(name_, machines, edge_ports, kMeshPort, progress_);
}

std::vector<std::string> Environment::all() {
  std::set<std::string> names;
  for (auto name : drivers::driver_names()) {
    try {
      for (auto& env : drivers::make_driver(name)->environments()) names.insert(env);
    } catch (const engine::NoEngineError&) {
      // Without an engine here there are no local nodes.
    }
  }
  return {names.begin(), names.end()};
}

void Environment::create(const CreateRequest& request) {
  if (request.managers < 0 || request.workers < 0) throw UsageError("node counts cannot be negative");
  auto existing = nodes();
  auto planned = plan_nodes(existing, request);
  bool has_manager =
      std::any_of(existing.begin(), existing.end(), [](const Node& n) { return n.role == Role::Manager; });
  if (!has_manager &&
      std::none_of(planned.begin(), planned.end(), [](const auto& p) { return p.role == Role::Manager; }))
    throw UsageError(fmt::format("environment {} has no manager yet: create one first (-m 1)", name_));

  // Machines elsewhere reach local nodes only through the mesh, and a manager's swarm
  // address never changes: local nodes made outside the mesh stay among themselves.
  bool outside_mesh =
      std::any_of(existing.begin(), existing.end(), [](const Node& n) { return n.on_this_machine() && !n.in_mesh; });
  if (outside_mesh && !planned.empty() && (request.driver != "local" || request.mesh))
    throw UsageError(
        fmt::format("environment {0}'s local nodes are outside the mesh machines elsewhere join: make them with --mesh "
                    "(rsm nodes rm {0}, then rsm nodes create {0} --mesh ...), or name all node groups in one rsm.yaml",
                    name_));

  auto& chosen = driver(request.driver);
  for (const auto& p : planned) chosen.check(p);
  if (!planned.empty()) {
    try {
      chosen.prepare(name_, progress_);
      for_each_parallel(planned, [&](const drivers::NodeRequest& p) { chosen.create(name_, p, progress_); });
    } catch (...) {
      // Each failed node removed itself; a new environment also takes its network along.
      if (existing.empty() && nodes().empty()) chosen.remove_environment(name_);
      throw;
    }
  }

  auto all = nodes();
  start_and_join(all);
  progress_.step(name_, fmt::format("swarm of {} nodes ready in {:.1f} s", all.size(), progress_.elapsed_seconds()));
}

std::optional<Node> adopted_from(const std::vector<Node>& nodes, const std::string& host) {
  for (const auto& node : nodes)
    if (!node.host.empty() && drivers::same_host(node.host, host)) return node;
  return std::nullopt;
}

std::vector<drivers::NodeRequest> Environment::plan_nodes(const std::vector<Node>& existing,
                                                          const CreateRequest& request) {
  int managers = request.managers, workers = request.workers;
  bool has_manager =
      std::any_of(existing.begin(), existing.end(), [](const Node& n) { return n.role == Role::Manager; });
  // New local nodes join the mesh where the environment has one.
  bool mesh = request.mesh || std::any_of(existing.begin(), existing.end(), [](const Node& n) { return n.in_mesh; });
  const auto& hosts = request.hosts;
  if (!hosts.empty()) {
    if (managers == 0 && workers == 0) {
      managers = has_manager ? 0 : 1;
      workers = static_cast<int>(hosts.size()) - managers;
    } else if (static_cast<size_t>(managers + workers) != hosts.size()) {
      throw UsageError(fmt::format("give as many --host as -m plus -w ({}); got {}", managers + workers, hosts.size()));
    }
    if (!request.advertise.empty() && request.advertise.size() != hosts.size())
      throw UsageError(fmt::format("give --advertise once per --host, in the same order ({} hosts, {} addresses)",
                                   hosts.size(), request.advertise.size()));
  } else if (request.driver == "ssh") {
    throw UsageError("the ssh driver adopts machines you have: name each with --host [USER@]HOST[:PORT]");
  } else if (managers == 0 && workers == 0 && existing.empty()) {
    throw UsageError(fmt::format("nothing to create: give -m MANAGERS and/or -w WORKERS for environment {}", name_));
  }

  // New machines continue the numbering of each role; a host adopted already keeps its name.
  std::map<Role, int> last;
  for (const auto& node : existing) last[node.role] = std::max(last[node.role], node.index);
  std::vector<drivers::NodeRequest> planned;
  int count = hosts.empty() ? managers + workers : static_cast<int>(hosts.size());
  for (int i = 0; i < count; ++i) {
    drivers::NodeRequest node{.role = i < managers ? Role::Manager : Role::Worker,
                              .ssh_key = request.ssh_key,
                              .region = request.region,
                              .size = request.size,
                              .image = request.image,
                              .mesh = mesh};
    if (!hosts.empty()) {
      node.host = hosts[i];
      if (!request.advertise.empty()) node.advertise = request.advertise[i];
      if (auto adopted = adopted_from(existing, node.host)) {
        node.role = adopted->role;
        node.index = adopted->index;
        planned.push_back(node);
        continue;
      }
    }
    node.index = ++last[node.role];
    planned.push_back(node);
  }
  return planned;
}

void Environment::start_and_join(std::vector<Node>& all) {
  for_each_parallel(all, [&](Node& node) {
    if (!node.running()) driver(node.driver).start(node, progress_);
  });
  // The firewall and the mesh admit every machine of the environment before the new ones
  // join; the firewall first, since a new machine behind NAT is heard only when it calls.
  apply_firewall(*this, progress_);
  apply_mesh(*this, progress_);
  form_swarm(all, progress_);
}

void Environment::start() {
  auto all = existing_nodes();
  start_and_join(all);
  progress_.step(name_, fmt::format("{} nodes running", all.size()));
}

void Environment::stop() {
  auto all = existing_nodes();
  for_each_parallel(all, [&](Node& node) {
    if (node.running()) driver(node.driver).stop(node, progress_);
  });
  progress_.step(name_, fmt::format("{} nodes stopped", all.size()));
}

void Environment::remove(bool forget_unreachable) {
  auto all = nodes();
  for_each_parallel(all, [&](const Node& node) { remove_machine(node, forget_unreachable, false); });
  for (auto name : drivers::driver_names()) driver(std::string(name)).remove_environment(name_);
  progress_.step(name_, fmt::format("removed {} nodes", all.size()));
}

void Environment::remove_machine(const Node& node, bool forget_unreachable, bool alone) {
  // The swarm is left while the mesh still carries it (a manager leaving tells the others).
  bool still_there = false;
  try {
    still_there = driver(node.driver).remove(node, progress_);
  } catch (const engine::UnreachableError& e) {
    if (!forget_unreachable)
      throw engine::UnreachableError(
          fmt::format("{}; bring it back and run again, or leave it as it is and drop it from rsm's records with "
                      "`rsm nodes rm {} --forget-unreachable`",
                      e.what(), alone ? name_ + " " + node.name : name_));
    if (!driver(node.driver).forget(node)) throw;
    progress_.warn(fmt::format("{} ({}) cannot be reached: dropped from rsm's records; what rsm made there stays",
                               node.name, node.host));
    return;
  }
  if (!still_there) return;
  remove_mesh(*this, node);
  remove_firewall(*this, node);
}

std::string NodeStatus::role() const {
  return swarm_role.empty() ? std::string(drivers::role_name(node.role)) : swarm_role;
}

nlohmann::json to_json(const NodeStatus& row) {
  return {{"name", row.node.name},
          {"role", row.role()},
          {"state", row.node.state},
          {"swarm", row.swarm_state},
          {"status", row.status},
          {"availability", row.availability},
          {"manager", row.manager_status},
          {"address", row.node.public_address},
          {"swarm_address", row.node.address},
          {"driver", row.node.driver},
          {"region", row.node.region},
          {"size", row.node.size},
          {"private_address", row.node.private_address},
          {"price_monthly", row.node.price_monthly},
          {"engine", row.engine_version},
          {"host", row.node.host},
          {"docker_host", row.node.engine.to_string()}};
}

std::vector<NodeStatus> Environment::status() {
  std::vector<NodeStatus> rows;
  for (auto& node : existing_nodes()) rows.push_back({.node = node});

  for_each_parallel(rows, [](NodeStatus& row) {
    if (!row.node.running()) {
      row.swarm_state = "-";
      return;
    }
    try {
      auto info = engine::Client(row.node.engine).get("/info");
      row.swarm_state = info["Swarm"].value("LocalNodeState", "");
      row.engine_version = info.value("ServerVersion", "");
    } catch (const Error&) {
      row.swarm_state = "unreachable";
    }
  });

  std::vector<Node> all;
  for (const auto& row : rows) all.push_back(row.node);
  if (auto manager = answering_manager(all)) {
    engine::Client client(manager->engine);
    auto by_name = nodes_by_name(client);
    for (auto& row : rows) {
      auto found = by_name.find(row.node.name);
      if (found == by_name.end()) continue;
      const NodeView& entry = found->second;
      row.status = entry.state;
      row.availability = entry.availability;
      row.swarm_role = entry.role;
      if (entry.manager) row.manager_status = entry.leader ? "leader" : entry.reachability;
    }
  }
  return rows;
}

int Environment::run_on(const Node& node, const std::vector<std::string>& argv, std::string& output) {
  return driver(node.driver).run(node, argv, [&](engine::StreamKind, std::string_view chunk) { output.append(chunk); });
}

std::string Environment::run_script(const Node& node, const std::string& script, const std::string& what) {
  std::string output;
  if (run_on(node, {"sh", "-c", script}, output) == 0) return output;
  throw Error(fmt::format("cannot {} on {}: {}", what, node.name, last_line(output)));
}

int Environment::run_everywhere(const std::vector<std::string>& argv) {
  auto all = nodes();
  std::vector<Node> running;
  for (auto& node : all)
    if (node.running()) running.push_back(node);
  if (all.empty()) throw no_nodes_error(name_);
  if (running.empty())
    throw Error(fmt::format("no node of {0} is running: start them with `rsm nodes start {0}`", name_));

  std::mutex output_mutex;
  int worst = 0;
  for_each_parallel(running, [&](const Node& node) {
    auto splitter = [&](engine::StreamKind kind) {
      return LineSplitter([&, kind](std::string_view line) {
        std::lock_guard lock(output_mutex);
        fmt::print(kind == engine::StreamKind::Stderr ? stderr : stdout, "{} | {}\n", node.name, line);
      });
    };
    LineSplitter out = splitter(engine::StreamKind::Stdout), err = splitter(engine::StreamKind::Stderr);
    int code = driver(node.driver).run(node, argv, [&](engine::StreamKind kind, std::string_view chunk) {
      (kind == engine::StreamKind::Stderr ? err : out).feed(chunk);
    });
    out.finish();
    err.finish();
    std::lock_guard lock(output_mutex);
    if (code != 0) {
      fmt::print(stderr, "{} | exit code {}\n", node.name, code);
      worst = std::max(worst, code);
    }
  });
  return worst;
}

}  // namespace rsm::swarm
