// Mesh addresses (fixed by role and index, so a manager never moves) and the peer list
// each machine gets: everyone but itself, with an endpoint where it can call it.
#include "swarm/mesh.h"

#include <gtest/gtest.h>

#include "util/error.h"

using namespace rsm::swarm;
using rsm::drivers::Role;

TEST(Mesh, AddressesFollowRoleAndIndex) {
  EXPECT_EQ(mesh_address(Role::Manager, 1), "10.218.1.1");
  EXPECT_EQ(mesh_address(Role::Worker, 254), "10.218.2.254");
  EXPECT_THROW(mesh_address(Role::Worker, 255), rsm::Error);
  EXPECT_THROW(mesh_address(Role::Manager, 0), rsm::Error);
}

TEST(Mesh, EachMachineHasEveryOtherAsAPeer) {
  std::vector<MeshMember> members{{"prd-manager-1", "KEY1=", "198.51.100.7", "10.218.1.1"},
                                  {"prd-manager-2", "KEY2=", "203.0.113.9", "10.218.1.2"}};
  EXPECT_EQ(mesh_peers(members, "prd-manager-1"),
            "[Peer]\n# prd-manager-2\nPublicKey = KEY2=\nEndpoint = 203.0.113.9:51820\nAllowedIPs = 10.218.1.2/32\n"
            "PersistentKeepalive = 25\n");
  EXPECT_EQ(mesh_peers(members, "prd-manager-2").find("KEY2="), std::string::npos);
  EXPECT_EQ(mesh_peers({members[0]}, "prd-manager-1"), "");
}

TEST(Mesh, MembersOfOnePrivateNetworkCallEachOtherThere) {
  std::vector<MeshMember> members{
      {"do-manager-1", "KEY1=", "198.51.100.7", "10.218.1.1", false, "digitalocean/nyc3", "10.110.0.2"},
      {"do-manager-2", "KEY2=", "198.51.100.8", "10.218.1.2", false, "digitalocean/nyc3", "10.110.0.3"},
      {"do-manager-3", "KEY3=", "203.0.113.9", "10.218.1.3", false, "digitalocean/fra1", "10.110.0.2"},
      {"do-worker-1", "KEY4=", "203.0.113.10", "10.218.2.1"}};
  std::string nyc = mesh_peers(members, "do-manager-1");
  EXPECT_NE(nyc.find("Endpoint = 10.110.0.3:51820\n"), std::string::npos) << nyc;
  EXPECT_NE(nyc.find("Endpoint = 203.0.113.9:51820\n"), std::string::npos) << "another region: its public address";
  EXPECT_NE(nyc.find("Endpoint = 203.0.113.10:51820\n"), std::string::npos) << nyc;
  std::string fra = mesh_peers(members, "do-manager-3");
  EXPECT_NE(fra.find("Endpoint = 198.51.100.7:51820\n"), std::string::npos) << fra;
  EXPECT_EQ(fra.find("10.110."), std::string::npos) << "a private address of another network is never called";
}

TEST(Mesh, MembersBehindNatAreCalledOnlyByTheirNeighbours) {
  std::vector<MeshMember> members{{"mix-manager-1", "KEY1=", "10.213.0.2", "10.218.1.1", true},
                                  {"mix-manager-2", "KEY2=", "10.213.0.3", "10.218.1.2", true},
                                  {"mix-worker-1", "KEY3=", "198.51.100.7", "10.218.2.1", false}};
  // The machine elsewhere waits for the local nodes' call: no endpoint for them.
  std::string outside = mesh_peers(members, "mix-worker-1");
  EXPECT_EQ(outside.find("Endpoint"), std::string::npos) << outside;
  EXPECT_NE(outside.find("AllowedIPs = 10.218.1.2/32\n"), std::string::npos) << outside;
  // Local nodes call each other at their bridge addresses and the machine elsewhere at its own.
  std::string local = mesh_peers(members, "mix-manager-1");
  EXPECT_NE(local.find("Endpoint = 10.213.0.3:51820\n"), std::string::npos) << local;
  EXPECT_NE(local.find("Endpoint = 198.51.100.7:51820\n"), std::string::npos) << local;
}
