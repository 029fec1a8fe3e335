// What every kind of machine (local containers, SSH hosts, cloud droplets) offers rsm.
// Drivers only make machines with a reachable Docker engine; forming the swarm is the
// same for all of them and lives in swarm/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/node.h"
#include "engine/exec.h"
#include "util/progress.h"

namespace rsm::drivers {

// One machine to make (or, for the ssh driver, to adopt).
struct NodeRequest {
  Role role = Role::Worker;
  int index = 0;
  std::string host;         // ssh: [USER@]HOST[:PORT]
  std::string ssh_key;      // ssh: a private key file; empty for the user's own ssh setup
  std::string region;       // a name the user gives the machine's location; may be empty (a cloud's region slug)
  std::string size, image;  // a cloud machine's size and system image
  std::string advertise;    // the address other members reach it at; empty: the driver's choice
  bool mesh = false;        // local: join the environment's WireGuard mesh (ssh machines always do)
};

class NodeDriver {
 public:
  virtual ~NodeDriver() = default;
  virtual std::string_view name() const = 0;

  // The environments that have machines of this driver.
  virtual std::vector<std::string> environments() = 0;
  // The environment's machines, ordered by role (managers first) and index.
  virtual std::vector<Node> list(const std::string& env) = 0;

  // Anything to do once before creating several nodes (images, networks).
  virtual void prepare(const std::string& env, Progress& progress) = 0;
  // UsageError for a request the driver cannot carry out, before anything is made.
  virtual void check(const NodeRequest& /*request*/) {}
  // Creates and starts a machine and returns once its engine answers. On failure it
  // removes whatever it had made for this node before throwing.
  virtual Node create(const std::string& env, const NodeRequest& request, Progress& progress) = 0;
  // Starts a stopped machine and returns once its engine answers.
  virtual void start(Node& node, Progress& progress) = 0;
  virtual void stop(Node& node, Progress& progress) = 0;
  // Removes the machine and everything rsm stored on it (an adopted machine stays, with
  // the user's own things); true when the machine is still there (adopted). Throws
  // engine::UnreachableError when the machine cannot be reached.
  virtual bool remove(const Node& node, Progress& progress) = 0;
  // Drops rsm's record of a machine it cannot reach, leaving the machine as it is; false
  // where the driver keeps no such record (its machines go only with remove()).
  virtual bool forget(const Node&) { return false; }
  // Removes what the environment's machines shared, once they are all gone.
  virtual void remove_environment(const std::string& env) = 0;
  // Sets the driver's own firewall in front of its machines (a cloud's), admitting the
  // edge proxy's ports from anywhere and the mesh's UDP port from the environment's
  // machines (all of them, every driver's); nothing for drivers without one.
  virtual void protect(const std::string& /*env*/, const std::vector<Node>& /*machines*/,
                       const std::vector<int>& /*edge_ports*/, int /*mesh_port*/, Progress&) {}

  // Containers on a node make unix sockets in kNodeSocketFolder (rsm's relay does); this
  // is the path through which this machine reaches the one called `name`.
  virtual std::string node_socket(const Node& node, const std::string& name) = 0;

  // Runs a command on the machine's host system (not in a container of its engine).
  virtual int run(const Node& node, const std::vector<std::string>& argv, const engine::OutputSink& output) = 0;
};

// The driver called `name`; UsageError naming the known ones otherwise.
std::unique_ptr<NodeDriver> make_driver(std::string_view name);
std::vector<std::string_view> driver_names();

}  // namespace rsm::drivers
