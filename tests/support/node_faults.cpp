#include "support/node_faults.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/rsm_runner.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::testing {

using nlohmann::json;

std::string describe(NodeFault fault) {
  switch (fault) {
    case NodeFault::killed:
      return "killed (docker kill)";
    case NodeFault::frozen:
      return "frozen (docker pause)";
    case NodeFault::cut:
      return "cut off (bridge disconnected)";
  }
  return "";
}

NodeFault parse_node_fault(const std::string& name) {
  if (name == "killed") return NodeFault::killed;
  if (name == "frozen") return NodeFault::frozen;
  if (name == "cut") return NodeFault::cut;
  throw Error(fmt::format("no fault '{}': killed, frozen or cut", name));
}

void NodeFaults::start(NodeFault fault, const std::string& node) {
  switch (fault) {
    case NodeFault::killed:
      local_.post("/containers/" + node + "/kill");
      return;
    case NodeFault::frozen:
      local_.post("/containers/" + node + "/pause");
      return;
    case NodeFault::cut: {
      std::string network = "rsm-" + env_;
      auto container = local_.get("/containers/" + node + "/json");
      cut_address_ = container["NetworkSettings"]["Networks"][network]["IPAddress"];
      local_.post("/networks/" + network + "/disconnect", json{{"Container", node}, {"Force", true}});
      return;
    }
  }
}

void NodeFaults::end(NodeFault fault, const std::string& node) {
  switch (fault) {
    case NodeFault::killed: {
      auto started = run_rsm({"nodes", "start", env_});
      if (started.exit_code != 0) throw Error("rsm nodes start failed:\n" + started.output);
      break;
    }
    case NodeFault::frozen:
      local_.post("/containers/" + node + "/unpause");
      break;
    case NodeFault::cut:
      local_.post("/networks/rsm-" + env_ + "/connect",
                  json{{"Container", node}, {"EndpointConfig", {{"IPAMConfig", {{"IPv4Address", cut_address_}}}}}});
      break;
  }
  wait_until_whole();
}

void NodeFaults::wait_until_whole() {
  std::string last;
  poll_until(
      seconds(90), seconds(1), [&] { return "the swarm was not whole again after the fault:\n" + last; },
      [&] {
        auto listed = run_rsm({"nodes", "ls", env_, "--json"});
        last = listed.output;
        if (listed.exit_code != 0) return false;
        auto nodes = json::parse(listed.output);
        return std::all_of(nodes.begin(), nodes.end(), [](const json& n) { return n["status"] == "ready"; }) &&
               std::any_of(nodes.begin(), nodes.end(), [](const json& n) { return n["manager"] == "leader"; });
      });
}

}  // namespace rsm::testing
