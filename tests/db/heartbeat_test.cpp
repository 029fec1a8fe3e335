#include "db/heartbeat.h"

#include <gtest/gtest.h>

using rsm::db::default_heartbeat;
using rsm::drivers::Node;

namespace {

Node local() { return Node{.driver = "local"}; }
Node ssh(std::string region = "") { return Node{.driver = "ssh", .region = std::move(region)}; }

}  // namespace

TEST(DefaultHeartbeat, ShortOnOneNetwork) {
  EXPECT_EQ(default_heartbeat({local(), local(), local()}), 3) << "one machine's bridge";
  EXPECT_EQ(default_heartbeat({ssh(), ssh(), ssh()}), 3) << "hosts with no region named";
  EXPECT_EQ(default_heartbeat({ssh("fra"), ssh("fra"), ssh("fra")}), 3);
  EXPECT_EQ(default_heartbeat({}), 3);
}

TEST(DefaultHeartbeat, RethinkDbsOwnAcrossNetworks) {
  EXPECT_EQ(default_heartbeat({ssh("fra"), ssh("nyc"), ssh("sgp")}), 10);
  EXPECT_EQ(default_heartbeat({ssh("fra"), ssh(), ssh()}), 10) << "a named region is a network of its own";
  EXPECT_EQ(default_heartbeat({local(), local(), ssh()}), 10) << "this machine's NAT and a host elsewhere";
}
