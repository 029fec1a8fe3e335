// The relay container on a node: its image built there from the rsm-relay binary next to
// rsm (images/program_image.h), started (or reused) with every route asked for, and
// waited for until it says it is ready (its log, read through the node's engine, so that
// it works on any driver).
#include "tunnel/relay.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "engine/stream_demuxer.h"
#include "images/program_image.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::tunnel {

using engine::json;

namespace {

std::string container_name(const std::string& network) { return "rsm-relay-" + network; }

std::string socket_name(const std::string& network, const Route& route) {
  return fmt::format("{}-{}-{}.sock", network, route.host, route.port);
}

}  // namespace

std::vector<std::string> ensure_relay(swarm::Environment& env, const drivers::Node& node, const std::string& network,
                                      const std::vector<Route>& routes, Progress& progress) {
  engine::Client client(node.engine);
  std::string image = images::ensure_program_image(client, "rsm-relay", "RSM_RELAY");
  std::string name = container_name(network);
  auto existing = client.find("/containers/" + name + "/json");
  json state = existing.value_or(json::object());

  // One relay per network serves every route asked for so far (rsm db admin and
  // rsm tunnel may run side by side): the routes it has, plus these.
  json command = state.contains("Config") ? state["Config"].value("Cmd", json::array()) : json::array();
  if (!command.is_array()) command = json::array();
  bool missing = false;
  std::vector<std::string> paths;
  for (const auto& route : routes) {
    std::string argument =
        fmt::format("{}/{}={}:{}", drivers::kNodeSocketFolder, socket_name(network, route), route.host, route.port);
    if (std::find(command.begin(), command.end(), argument) == command.end()) {
      command.push_back(argument);
      missing = true;
    }
    paths.push_back(env.node_socket(node, socket_name(network, route)));
  }

  bool reuse =
      existing && !missing && state["Config"].value("Image", "") == image && state["State"].value("Running", false);
  if (reuse) return paths;
  if (existing) client.remove_if_present("/containers/" + name + "?force=1");
  progress.step(node.name, fmt::format("starting the relay into network {}", network));
  client.post("/containers/create?name=" + name,
              {{"Image", image},
               {"Cmd", command},
               {"Labels", {{"rsm.env", node.env}, {"rsm.component", "relay"}, {"rsm.network", network}}},
               {"HostConfig",
                {{"Binds", {fmt::format("{0}:{0}", drivers::kNodeSocketFolder)}},
                 {"NetworkMode", network},
                 {"RestartPolicy", {{"Name", "unless-stopped"}}}}}});
  client.post("/containers/" + name + "/start");

  poll_until(
      seconds(10), milliseconds(50),
      [&] { return fmt::format("the relay on {} did not start; see `docker logs {}` on that node", node.name, name); },
      [&] {
        std::string output;
        engine::StreamDemuxer demuxer([&](engine::StreamKind, std::string_view chunk) { output.append(chunk); });
        demuxer.feed(client.request(engine::Method::Get, "/containers/" + name + "/logs?stdout=1&stderr=1").body);
        return output.find("ready\n") != std::string::npos;
      });
  return paths;
}

void remove_relays(const std::vector<drivers::Node>& nodes, const std::string& network) {
  for (const auto& node : nodes) {
    if (!node.running()) continue;
    engine::Client(node.engine).remove_if_present("/containers/" + container_name(network) + "?force=1");
  }
}

}  // namespace rsm::tunnel
