// The environment's cloud firewall: see cloud_firewall.h.
#include "drivers/digitalocean/cloud_firewall.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "drivers/digitalocean/droplets.h"

namespace rsm::drivers::digitalocean {

namespace {

const json kAnywhere = {{"addresses", {"0.0.0.0/0", "::/0"}}};

json rule(const char* protocol, const std::string& ports, const char* side, const json& target) {
  return {{"protocol", protocol}, {"ports", ports}, {side, target}};
}

std::optional<json> find_firewall(Api& api, std::string_view env) {
  for (auto& firewall : api.list("/v2/firewalls", "firewalls"))
    if (firewall.value("name", "") == firewall_name(env)) return firewall;
  return std::nullopt;
}

// The parts rsm sets, in one order, so that the API's answer compares with a new body.
json comparable(const json& firewall) {
  json out{{"inbound_rules", firewall.value("inbound_rules", json::array())},
           {"outbound_rules", firewall.value("outbound_rules", json::array())},
           {"tags", firewall.value("tags", json::array())}};
  for (auto& rules : {std::string("inbound_rules"), std::string("outbound_rules")})
    std::sort(out[rules].begin(), out[rules].end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
  return out;
}

}  // namespace

std::string firewall_name(std::string_view env) { return fmt::format("rsm-{}", env); }

json firewall_body(std::string_view env, const FirewallPlan& plan) {
  json inbound = json::array({rule("tcp", "22", "sources", kAnywhere)});
  std::vector<int> ports = plan.public_ports;
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  for (int port : ports) inbound.push_back(rule("tcp", std::to_string(port), "sources", kAnywhere));
  json members{{"tags", {environment_tag(env)}}};
  if (!plan.other_addresses.empty()) members["addresses"] = plan.other_addresses;
  inbound.push_back(rule("udp", std::to_string(plan.mesh_port), "sources", members));
  json outbound = json::array({rule("tcp", "0", "destinations", kAnywhere), rule("udp", "0", "destinations", kAnywhere),
                               rule("icmp", "0", "destinations", kAnywhere)});
  return {{"name", firewall_name(env)},
          {"tags", {environment_tag(env)}},
          {"inbound_rules", inbound},
          {"outbound_rules", outbound}};
}

bool ensure_firewall(Api& api, std::string_view env, const FirewallPlan& plan) {
  json body = firewall_body(env, plan);
  auto existing = find_firewall(api, env);
  if (!existing) {
    api.post("/v2/firewalls", body);
    return true;
  }
  if (comparable(*existing) == comparable(body)) return false;
  api.put("/v2/firewalls/" + existing->value("id", ""), body);
  return true;
}

void remove_firewall(Api& api, std::string_view env) {
  if (auto existing = find_firewall(api, env)) api.remove("/v2/firewalls/" + existing->value("id", ""));
}

}  // namespace rsm::drivers::digitalocean
