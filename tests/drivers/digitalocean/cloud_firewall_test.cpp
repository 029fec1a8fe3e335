// The environment's cloud firewall against the API stand-in: made once, its rules
// replaced only when they differ, removed; the rules open ssh and the edge's ports to
// everyone and the mesh's UDP port to the environment's machines only.
#include "drivers/digitalocean/cloud_firewall.h"

#include <gtest/gtest.h>

#include "support/digitalocean_standin.h"

using namespace rsm::drivers::digitalocean;
using rsm::testing::DigitalOceanStandin;

namespace {

json inbound(const json& body, const std::string& protocol, const std::string& ports) {
  for (const auto& rule : body["inbound_rules"])
    if (rule["protocol"] == protocol && rule["ports"] == ports) return rule;
  return nullptr;
}

}  // namespace

TEST(CloudFirewall, OpensSshAndTheEdgeToAllAndTheMeshToTheEnvironmentOnly) {
  json body =
      firewall_body("dev", {.public_ports = {9090, 80, 9090}, .mesh_port = 51820, .other_addresses = {"198.51.100.7"}});
  EXPECT_EQ(body["name"], "rsm-dev");
  EXPECT_EQ(body["tags"], json({"rsm-env-dev"})) << "attached by tag: droplets made later are behind it";
  json everyone{{"addresses", {"0.0.0.0/0", "::/0"}}};
  EXPECT_EQ(inbound(body, "tcp", "22")["sources"], everyone);
  EXPECT_EQ(inbound(body, "tcp", "80")["sources"], everyone);
  EXPECT_EQ(inbound(body, "tcp", "9090")["sources"], everyone);
  EXPECT_EQ(body["inbound_rules"].size(), 4u) << "9090 once; nothing of the swarm's own ports: " << body.dump();
  EXPECT_EQ(inbound(body, "udp", "51820")["sources"],
            json({{"tags", {"rsm-env-dev"}}, {"addresses", {"198.51.100.7"}}}));
  EXPECT_EQ(body["outbound_rules"].size(), 3u) << "without outbound rules a cloud firewall drops everything";
}

TEST(CloudFirewall, MadeOnceReplacedWhenItsRulesDifferRemoved) {
  DigitalOceanStandin standin;
  Api api("rsm-test-token", standin.url(), {.first_pause = std::chrono::milliseconds(10)});
  FirewallPlan plan{.public_ports = {9090}, .mesh_port = 51820};
  EXPECT_TRUE(ensure_firewall(api, "dev", plan));
  EXPECT_FALSE(ensure_firewall(api, "dev", plan)) << "nothing to change";
  ASSERT_EQ(standin.firewalls().size(), 1u);
  plan.public_ports.push_back(8080);
  EXPECT_TRUE(ensure_firewall(api, "dev", plan)) << "a new published port";
  ASSERT_EQ(standin.firewalls().size(), 1u) << "replaced, not made twice";
  EXPECT_EQ(standin.firewalls()[0]["inbound_rules"].size(), 4u);
  remove_firewall(api, "dev");
  EXPECT_TRUE(standin.firewalls().empty());
  remove_firewall(api, "dev");  // none left: nothing to do
}
