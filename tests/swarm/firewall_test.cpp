// The firewall's rules as iptables-restore reads them: swarm ports inside the mesh only,
// the mesh's port for members only, published ports for the edge only.
#include "swarm/firewall.h"

#include <gtest/gtest.h>

using rsm::swarm::firewall_rules;

TEST(Firewall, AdmitsTheSwarmInsideTheMeshAndTheMeshFromMembersOnly) {
  std::string rules = firewall_rules({.member_public_addresses = {"198.51.100.7", "203.0.113.9"}}, {});
  EXPECT_EQ(rules.rfind("*filter\n:RSM-INPUT - [0:0]\n:RSM-PUBLISHED - [0:0]\n", 0), 0u) << rules;
  EXPECT_NE(rules.find("-A RSM-INPUT -i rsm0 -j RETURN\n"), std::string::npos);
  EXPECT_NE(rules.find("-A RSM-INPUT -s 198.51.100.7 -p udp --dport 51820 -j RETURN\n"), std::string::npos);
  EXPECT_NE(rules.find("-A RSM-INPUT -s 203.0.113.9 -p udp --dport 51820 -j RETURN\n"), std::string::npos);
  // The drops come after every accept.
  auto last_accept = rules.rfind("-A RSM-INPUT -s ");
  for (const char* drop :
       {"-A RSM-INPUT -p udp --dport 51820 -j DROP\n", "-A RSM-INPUT -p tcp -m multiport --dports 2377,7946 -j DROP\n",
        "-A RSM-INPUT -p udp -m multiport --dports 7946,4789 -j DROP\n"}) {
    auto at = rules.find(drop);
    ASSERT_NE(at, std::string::npos) << drop;
    EXPECT_GT(at, last_accept) << drop;
  }
  EXPECT_TRUE(rules.ends_with("COMMIT\n"));
}

TEST(Firewall, TakesTheMeshPortFromAnywhereWhenMembersSitBehindNat) {
  std::string rules = firewall_rules({.member_public_addresses = {"198.51.100.7"}, .members_behind_nat = true}, {});
  EXPECT_NE(rules.find("-A RSM-INPUT -p udp --dport 51820 -j RETURN\n"), std::string::npos) << rules;
  EXPECT_EQ(rules.find("--dport 51820 -j DROP"), std::string::npos) << rules;
  // The swarm's own ports stay inside the mesh.
  EXPECT_NE(rules.find("-A RSM-INPUT -p tcp -m multiport --dports 2377,7946 -j DROP\n"), std::string::npos);
}

TEST(Firewall, OpensOnlyTheEdgePortsAmongPublishedPorts) {
  std::string rules = firewall_rules({}, {8080, 9090});
  auto edge = rules.find("-A RSM-PUBLISHED -p tcp -m conntrack --ctstate DNAT --ctorigdstport 8080 -j RETURN\n");
  auto other = rules.find("-A RSM-PUBLISHED -p tcp -m conntrack --ctstate DNAT --ctorigdstport 9090 -j RETURN\n");
  auto drop = rules.find("-A RSM-PUBLISHED -m conntrack --ctstate DNAT -j DROP\n");
  ASSERT_NE(edge, std::string::npos);
  ASSERT_NE(other, std::string::npos);
  ASSERT_NE(drop, std::string::npos);
  EXPECT_LT(edge, drop);
  EXPECT_LT(other, drop);
  // Answers to connections made from inside always pass.
  EXPECT_LT(rules.find("-A RSM-PUBLISHED -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n"), edge);
}
