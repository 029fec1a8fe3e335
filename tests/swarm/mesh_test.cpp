// Mesh addresses (fixed by role and index, so a manager never moves) and the peer list
// each machine gets: everyone but itself.
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
