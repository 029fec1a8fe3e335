#include "drivers/local/subnet.h"

#include <gtest/gtest.h>

using rsm::drivers::free_subnet;
using rsm::drivers::subnet_host;

TEST(Subnet, TakesTheFirstFreeSlice) {
  EXPECT_EQ(free_subnet("10.213.0.0/16", 24, {}), "10.213.0.0/24");
  EXPECT_EQ(free_subnet("10.213.0.0/16", 24, {"10.213.0.0/24", "172.17.0.0/16"}), "10.213.1.0/24");
}

TEST(Subnet, SkipsOverlapsOfAnySize) {
  EXPECT_EQ(free_subnet("10.213.0.0/16", 24, {"10.213.0.128/25"}), "10.213.1.0/24");
  EXPECT_EQ(free_subnet("10.213.0.0/16", 24, {"10.213.0.0/23"}), "10.213.2.0/24");
  EXPECT_EQ(free_subnet("10.213.0.0/16", 24, {"10.0.0.0/8"}), "");
  EXPECT_EQ(free_subnet("10.213.0.0/16", 24, {"fd00::/64", "garbage"}), "10.213.0.0/24");
}

TEST(Subnet, NumbersHosts) {
  EXPECT_EQ(subnet_host("10.213.4.0/24", 2), "10.213.4.2");
  EXPECT_EQ(subnet_host("10.213.4.0/24", 254), "10.213.4.254");
}
