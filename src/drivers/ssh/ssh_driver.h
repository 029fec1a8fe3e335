// The `ssh` driver: machines the user already has (any cloud, bare metal, a VM), adopted
// over ssh as ENV-manager-N / ENV-worker-N. rsm logs in as root or a user with passwordless
// sudo, pins each host key on first contact, installs Debian's/Ubuntu's docker.io where no
// engine runs, and from then on reaches the engine through `ssh HOST docker system
// dial-stdio`: no Docker port is ever opened. The machine's hostname is left alone; rsm's
// name for it is the swarm node's rsm.node label. It does not power machines, and removing
// a node removes only what rsm made there.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "drivers/node_driver.h"
#include "drivers/ssh/inventory.h"
#include "drivers/ssh/remote_shell.h"
#include "engine/ssh_dialer.h"

namespace rsm::drivers {

class SshDriver : public NodeDriver {
 public:
  SshDriver() : SshDriver("ssh") {}
  std::string_view name() const override { return name_; }
  std::vector<std::string> environments() override;
  std::vector<Node> list(const std::string& env) override;
  void prepare(const std::string&, Progress&) override {}
  Node create(const std::string& env, const NodeRequest& request, Progress& progress) override;
  void start(Node& node, Progress& progress) override;
  void stop(Node& node, Progress& progress) override;
  bool remove(const Node& node, Progress& progress) override;
  bool forget(const Node& node) override;
  void remove_environment(const std::string& env) override;
  std::string node_socket(const Node& node, const std::string& name) override;
  int run(const Node& node, const std::vector<std::string>& argv, const engine::OutputSink& output) override;

 protected:
  // A driver whose machines rsm makes somewhere and then drives as ssh hosts (a cloud's),
  // with records of its own under its name.
  explicit SshDriver(std::string name) : name_(std::move(name)), inventory_(name_) {}

  std::vector<SshHost> recorded(const std::string& env);
  void record(const std::string& env, const SshHost& host);
  void drop_record(const std::string& env, const std::string& name);
  // Waits for cloud-init, installs what is missing and checks the engine (see the .cpp).
  void bootstrap(const std::string& env, SshHost& host, Progress& progress);
  // How rsm logs in to the host and reaches its engine; first_contact pins an unpinned key.
  engine::Endpoint ssh_endpoint(const std::string& env, const SshHost& host, bool first_contact = false) const;
  Node node_of(const std::string& env, const SshHost& host) const;

  std::string name_;
  Inventory inventory_;
  std::mutex mutex_;  // guards the inventory files and the dialers

 private:
  SshHost adopt(const std::string& env, const NodeRequest& request, Progress& progress);

  std::map<std::string, std::unique_ptr<engine::SshDialer>> socket_dialers_;
};

}  // namespace rsm::drivers
