// The `digitalocean` driver: droplets made through DigitalOcean's API v2, one region per
// node group, then driven like the ssh driver's hosts (it is one, with records of its own
// under digitalocean/ENV). What the API holds is the truth about what exists and is
// billed: the environment's droplets are listed by its tag, and rsm's record adds only
// what the API cannot say (the host key pinned for each name before its droplet was
// asked for, and whether the bootstrap finished). A node whose create was interrupted is
// listed as not running, and `start` (which `nodes create` and `up` run for every such
// node) finishes it; `rm` deletes by id and then by tag, so nothing billed is left behind.
// The token is read for each command (api.h) and asked for only when the API is: without
// one, the recorded droplets are still driven over ssh.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "drivers/digitalocean/api.h"
#include "drivers/digitalocean/droplets.h"
#include "drivers/digitalocean/login_key.h"
#include "drivers/ssh/ssh_driver.h"

namespace rsm::drivers {

class DigitalOceanDriver : public SshDriver {
 public:
  DigitalOceanDriver() : SshDriver("digitalocean") {}

  std::vector<std::string> environments() override;
  std::vector<Node> list(const std::string& env) override;
  void prepare(const std::string& env, Progress& progress) override;
  void check(const NodeRequest& request) override;
  Node create(const std::string& env, const NodeRequest& request, Progress& progress) override;
  void start(Node& node, Progress& progress) override;
  void stop(Node& node, Progress& progress) override;
  bool remove(const Node& node, Progress& progress) override;
  bool forget(const Node&) override { return false; }  // a droplet is billed until it is deleted
  void remove_environment(const std::string& env) override;
  void protect(const std::string& env, const std::vector<Node>& machines, const std::vector<int>& edge_ports,
               int mesh_port, Progress& progress) override;

  // The --token-file of the command line, for every request of this process.
  static void use_token_file(std::string file);

 private:
  digitalocean::Api& api();  // made at its first use, with the token
  // The environment's login key, made and registered at its first use (login_key.h).
  const digitalocean::LoginKey& login_key(const std::string& env, Progress& progress);
  // The environment's droplet of that name, as the API lists it now.
  // The droplet of the node: by its id where a listing gave one, else by name among the
  // environment's (one listing).
  std::optional<digitalocean::Droplet> droplet(const std::string& env, const std::string& name,
                                               const std::string& id = "");
  // Takes a recorded host from wherever an earlier run stopped to a bootstrapped engine:
  // a droplet asked for (with a newly pinned host key) when there is none, ready, reached
  // over ssh, bootstrapped. `id`: its droplet's, where a listing gave it.
  Node finish(const std::string& env, SshHost host, const std::string& id, Progress& progress);

  std::mutex api_mutex_;
  std::unique_ptr<digitalocean::Api> api_;
  std::mutex login_key_mutex_;  // nodes are made and finished on several threads
  std::optional<digitalocean::LoginKey> login_key_;
};

}  // namespace rsm::drivers
