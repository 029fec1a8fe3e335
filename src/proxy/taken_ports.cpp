// Asks every running node, before an app's port is published, whether something already
// takes it there: a container of the node's engine publishing it (named from the engine),
// or a process of the machine listening on it (named by ss). The swarm would otherwise
// keep the proxy's task on that node failing, and the deploy would wait for it in vain.
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "proxy/edge_proxy.h"
#include "swarm/firewall.h"
#include "util/error.h"
#include "util/parallel.h"

namespace rsm::proxy {

namespace {

// Prints "PORT PROCESS" for each port of $RSM_PORTS a TCP listener holds; Docker's own
// port forwarders are left to the engine's answer, which names their containers.
constexpr const char* kListeners = R"sh(
for port in $RSM_PORTS; do
  ss -Hltnp "sport = :$port" 2>/dev/null | grep -v '"docker-proxy"' | head -n 1 |
    sed -n "s/.*users:((\"\([^\"]*\)\".*/$port \1/p; t; s/.*/$port a process/p"
done
)sh";

struct Taken {
  int port = 0;
  std::string node;
  std::string by;
};

std::optional<Taken> taken_on(swarm::Environment& env, const drivers::Node& node, const std::set<int>& ports) {
  for (const auto& container : engine::Client(node.engine).get("/containers/json")) {
    // The edge proxy's own task (one being removed after the last app went) holds its ports.
    if (container["Labels"].value("com.docker.swarm.service.name", "") == kServiceName) continue;
    for (const auto& published : container.value("Ports", engine::json::array()))
      if (ports.contains(published.value("PublicPort", 0)))
        return Taken{published["PublicPort"], node.name,
                     fmt::format("container {}", container["Names"].at(0).get<std::string>().substr(1))};
  }
  std::string list;
  for (int port : ports) list += fmt::format("{} ", port);
  std::string output = env.run_script(node, fmt::format("RSM_PORTS='{}'\n{}", list, kListeners), "look for listeners");
  std::istringstream answer(output);
  Taken taken{.node = node.name};
  if (answer >> taken.port && std::getline(answer >> std::ws, taken.by)) return taken;
  return std::nullopt;
}

}  // namespace

void check_ports_free(swarm::Environment& env, engine::Client& manager, const std::vector<int>& ports) {
  std::set<int> fresh(ports.begin(), ports.end());
  for (int port : swarm::edge_ports(manager, env.name())) fresh.erase(port);
  if (fresh.empty()) return;

  std::vector<drivers::Node> running;
  for (const auto& node : env.nodes())
    if (node.running()) running.push_back(node);
  std::mutex mutex;
  std::optional<Taken> first;
  for_each_parallel(running, [&](const drivers::Node& node) {
    auto taken = taken_on(env, node, fresh);
    std::lock_guard lock(mutex);
    if (taken && !first) first = taken;
  });
  if (first)
    throw UsageError(fmt::format("port {} is taken on {} by {}: choose another port, or free it there", first->port,
                                 first->node, first->by));
}

}  // namespace rsm::proxy
