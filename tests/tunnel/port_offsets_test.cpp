// The tunnel port scheme: an offset per environment, remembered.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "support/state_folder.h"
#include "tunnel/port_offsets.h"

TEST(PortOffsets, EachEnvironmentKeepsItsOwnOffset) {
  rsm::testing::StateFolder state("rsm-tunnel-test");

  EXPECT_EQ(rsm::tunnel::local_port("dev", 9090), 9190);
  EXPECT_EQ(rsm::tunnel::local_port("tst", 9090), 9290);
  EXPECT_EQ(rsm::tunnel::local_port("dev", 8080), 8180);  // remembered, whatever the port
  EXPECT_EQ(rsm::tunnel::local_port("tst", 9090), 9290);
  EXPECT_EQ(rsm::tunnel::local_port("dev", 65500), 0);  // not a port: any free one
}
