// Environments across drivers: the nodes each driver lists, and what is done to all of
// them together (create, start, stop, remove, status, a command everywhere).
#include "swarm/environment.h"

#include <algorithm>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "swarm/formation.h"
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
  for (auto name : drivers::driver_names()) {
    auto listed = driver(std::string(name)).list(name_);
    all.insert(all.end(), listed.begin(), listed.end());
  }
  return all;
}

std::vector<Node> Environment::existing_nodes() {
  auto all = nodes();
  if (all.empty()) throw no_nodes_error(name_);
  return all;
}

drivers::Node Environment::reachable_manager() {
  auto manager = answering_manager(existing_nodes());
  if (!manager) throw no_manager_error(name_);
  return *manager;
}

std::string Environment::node_socket(const drivers::Node& node, const std::string& name) {
  return driver(node.driver).node_socket(node, name);
}

std::vector<std::string> Environment::all() {
  std::set<std::string> names;
  for (auto name : drivers::driver_names())
    for (auto& env : drivers::make_driver(name)->environments()) names.insert(env);
  return {names.begin(), names.end()};
}

void Environment::create(const CreateRequest& request) {
  if (request.managers < 0 || request.workers < 0) throw UsageError("node counts cannot be negative");
  auto existing = nodes();
  if (request.managers == 0 && request.workers == 0 && existing.empty())
    throw UsageError(fmt::format("nothing to create: give -m MANAGERS and/or -w WORKERS for environment {}", name_));
  bool has_manager =
      std::any_of(existing.begin(), existing.end(), [](const Node& n) { return n.role == Role::Manager; });
  if (!has_manager && request.managers == 0)
    throw UsageError(fmt::format("environment {} has no manager yet: create one first (-m 1)", name_));

  auto& chosen = driver(request.driver);
  try {
    chosen.prepare(name_, progress_);
    add_nodes(chosen, existing, request);
  } catch (...) {
    // Each failed node removed itself; a new environment also takes its network along.
    if (existing.empty() && nodes().empty()) chosen.remove_environment(name_);
    throw;
  }

  auto all = nodes();
  start_and_join(all);
  progress_.step(name_, fmt::format("swarm of {} nodes ready in {:.1f} s", all.size(), progress_.elapsed_seconds()));
}

void Environment::add_nodes(drivers::NodeDriver& chosen, const std::vector<Node>& existing,
                            const CreateRequest& request) {
  // New machines continue the numbering of each role.
  struct Planned {
    Role role;
    int index;
  };
  std::vector<Planned> planned;
  for (auto [role, count] : {std::pair(Role::Manager, request.managers), std::pair(Role::Worker, request.workers)}) {
    int last = 0;
    for (const auto& node : existing)
      if (node.role == role) last = std::max(last, node.index);
    for (int i = 1; i <= count; ++i) planned.push_back({role, last + i});
  }
  for_each_parallel(planned, [&](const Planned& p) { chosen.create(name_, p.role, p.index, progress_); });
}

void Environment::start_and_join(std::vector<Node>& all) {
  for_each_parallel(all, [&](Node& node) {
    if (!node.running()) driver(node.driver).start(node, progress_);
  });
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
    if (!node.running()) return;
    progress_.step(node.name, "stopping");
    driver(node.driver).stop(node);
  });
  progress_.step(name_, fmt::format("{} nodes stopped", all.size()));
}

void Environment::remove() {
  auto all = nodes();
  for_each_parallel(all, [&](const Node& node) {
    progress_.step(node.name, "removing");
    driver(node.driver).remove(node);
  });
  for (auto name : drivers::driver_names()) driver(std::string(name)).remove_environment(name_);
  progress_.step(name_, fmt::format("removed {} nodes", all.size()));
}

std::vector<NodeStatus> Environment::status() {
  std::vector<NodeStatus> rows;
  for (auto& node : nodes()) rows.push_back({.node = node});

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
