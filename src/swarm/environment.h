// An environment (dev, tst, prd...): the machines made for it by any driver, which
// together form one Docker swarm. Nothing about it is stored by rsm: the machines are
// found through their drivers (container labels, for local nodes) and the swarm is asked
// about itself.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/node_driver.h"
#include "engine/client.h"
#include "swarm/objects.h"
#include "util/progress.h"

namespace rsm::swarm {

struct CreateRequest {
  int managers = 0;
  int workers = 0;
  std::string driver = "local";
  // The ssh driver's machines, [USER@]HOST[:PORT], managers first; without counts the
  // first is a manager in a new environment and the others workers.
  std::vector<std::string> hosts;
  std::string ssh_key;
  std::string region;
  std::string size, image;             // digitalocean: the droplets' size and system image slugs
  std::vector<std::string> advertise;  // one per host, in the same order; or none
  // Local nodes in the WireGuard mesh, so that machines elsewhere can join them later (they
  // join it anyway in an environment that has such machines).
  bool mesh = false;
};

// One row of `rsm nodes ls`.
struct NodeStatus {
  drivers::Node node;
  std::string swarm_state;     // the node's own view: active, inactive, pending, error; "unreachable"
  std::string status;          // the managers' view: ready, down, unknown; empty when not in the swarm
  std::string availability;    // active, pause, drain
  std::string manager_status;  // leader, reachable, unreachable; empty for workers
  std::string swarm_role;      // manager or worker in the swarm (a worker may have been promoted)
  std::string engine_version;

  // The role in the swarm when the swarm says (a worker may have been promoted), else the
  // role the machine was made with.
  std::string role() const;
};

// A task that runs: the machine it runs on and its container there.
struct RunningTask {
  drivers::Node node;
  std::string container;
};

// A row as `rsm nodes ls --json` and `rsm status --json` print it.
nlohmann::json to_json(const NodeStatus& row);

// The node adopted from that host ([USER@]HOST[:PORT]: the same machine whatever login
// names it), if any.
std::optional<drivers::Node> adopted_from(const std::vector<drivers::Node>& nodes, const std::string& host);

class Environment {
 public:
  // Throws UsageError for an invalid name.
  Environment(std::string name, Progress& progress);

  const std::string& name() const { return name_; }

  // The environment's machines, managers first; empty when it does not exist. A driver
  // whose engine is absent (engine::NoEngineError: the local driver on a machine without
  // Docker) lists none: machines elsewhere are driven without an engine here.
  std::vector<drivers::Node> nodes();
  // The same, but no_nodes_error() when there are none (naming an engine that did not answer).
  std::vector<drivers::Node> existing_nodes();

  // Lists the machines and asks their engines for a manager of the swarm that answers,
  // through which the swarm is driven. Throws no_nodes_error() when the environment has
  // no nodes, no_manager_error() when no manager answers.
  drivers::Node reachable_manager();

  // Those of a service's tasks that run on machines of the environment, lowest slot first.
  std::vector<RunningTask> running(engine::Client& manager, const std::vector<TaskView>& tasks);

  // Adds machines (continuing the numbering) and joins every machine into the swarm.
  // Re-running after a failure finishes what was left: stopped machines are started and
  // machines outside the swarm join it.
  void create(const CreateRequest& request);
  // Each machine's state, its engine's and its swarm node's; no_nodes_error() when none.
  std::vector<NodeStatus> status();
  void stop();
  void start();
  // Removes every machine and what the environment's machines shared. A machine that
  // cannot be reached stops it with an error naming the fix, unless forget_unreachable:
  // then rsm's record of it goes (with a warning) and the machine stays as it is.
  void remove(bool forget_unreachable = false);
  // Removes one machine through its driver, with its mesh and firewall (the swarm steps
  // before it are swarm/node_departure.h's); an unreachable one as remove() has it, the
  // fix naming the node when it leaves `alone` (the environment stays).
  void remove_machine(const drivers::Node& node, bool forget_unreachable, bool alone);
  // Runs argv on every running machine; output lines are prefixed with the node name.
  // Returns 0 when it succeeded everywhere.
  int run_everywhere(const std::vector<std::string>& argv);

  // Runs argv as root on the machine's host system; returns the exit code, with what it
  // printed in `output`.
  int run_on(const drivers::Node& node, const std::vector<std::string>& argv, std::string& output);
  // Runs a sh script as root on the machine's host system and returns what it printed;
  // Error "cannot WHAT on NODE: <its last line>" when it fails.
  std::string run_script(const drivers::Node& node, const std::string& script, const std::string& what);

  // Where this machine reaches the unix socket `name` that a container made in the
  // node's kNodeSocketFolder.
  std::string node_socket(const drivers::Node& node, const std::string& name);

  // Sets the drivers' own firewalls (a cloud's) for the machines and the edge's ports.
  void protect(const std::vector<drivers::Node>& machines, const std::vector<int>& edge_ports);

  // Environments that exist, across all drivers.
  static std::vector<std::string> all();

 private:
  drivers::NodeDriver& driver(const std::string& name);
  std::vector<drivers::NodeRequest> plan_nodes(const std::vector<drivers::Node>& existing,
                                               const CreateRequest& request);
  void start_and_join(std::vector<drivers::Node>& nodes);

  std::string name_;
  Progress& progress_;
  std::map<std::string, std::unique_ptr<drivers::NodeDriver>> drivers_;
  std::string unlisted_;  // why a driver listed nothing the last time: its engine did not answer
};

}  // namespace rsm::swarm
