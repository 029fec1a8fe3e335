// The `local` driver: every node is a container on this machine's Docker engine running
// its own dockerd (docker-in-docker), on a bridge network of its environment with a fixed
// address, and with named volumes for its /var/lib/docker (so images and swarm state
// survive stop/start) and for the socket through which rsm reaches its engine.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "drivers/node_driver.h"
#include "engine/client.h"

namespace rsm::drivers {

class LocalDriver : public NodeDriver {
 public:
  explicit LocalDriver(engine::Endpoint host);

  std::string_view name() const override { return "local"; }
  std::vector<std::string> environments() override;
  std::vector<Node> list(const std::string& env) override;
  void prepare(const std::string& env, Progress& progress) override;
  Node create(const std::string& env, const NodeRequest& request, Progress& progress) override;
  void start(Node& node, Progress& progress) override;
  void stop(Node& node, Progress& progress) override;
  bool remove(const Node& node, Progress& progress) override;
  void remove_environment(const std::string& env) override;
  std::string node_socket(const Node& node, const std::string& name) override;
  int run(const Node& node, const std::vector<std::string>& argv, const engine::OutputSink& output) override;

  static std::string network_name(const std::string& env) { return "rsm-" + env; }

 private:
  Node node_from_container(const engine::json& container);
  engine::Endpoint node_engine(const std::string& node_name);
  std::string docker_root();
  std::string ensure_network(const std::string& env);
  std::string pick_address(const std::string& env, const std::string& subnet);
  bool use_privileged(const std::string& image);
  engine::json container_spec(const std::string& env, const NodeRequest& request, const std::string& address);
  void wait_for_engine(Node& node, Progress& progress);
  std::string last_log_lines(const std::string& container);
  void remove_by_name(const std::string& name);

  engine::Client host_;
  std::mutex mutex_;   // guards the members below
  std::string image_;  // set by prepare()
  std::string docker_root_;
  std::optional<bool> privileged_;
  std::vector<std::string> assigned_;  // addresses handed out by this process
};

}  // namespace rsm::drivers
