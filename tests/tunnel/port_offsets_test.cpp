// The tunnel port scheme: an offset per environment, remembered.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tunnel/port_offsets.h"

TEST(PortOffsets, EachEnvironmentKeepsItsOwnOffset) {
  auto state = std::filesystem::temp_directory_path() / ("rsm-tunnel-test-" + std::to_string(getpid()));
  const char* saved = std::getenv("XDG_STATE_HOME");
  std::string previous = saved ? saved : "";
  setenv("XDG_STATE_HOME", state.c_str(), 1);

  EXPECT_EQ(rsm::tunnel::local_port("dev", 9090), 9190);
  EXPECT_EQ(rsm::tunnel::local_port("tst", 9090), 9290);
  EXPECT_EQ(rsm::tunnel::local_port("dev", 8080), 8180);  // remembered, whatever the port
  EXPECT_EQ(rsm::tunnel::local_port("tst", 9090), 9290);
  EXPECT_EQ(rsm::tunnel::local_port("dev", 65500), 0);  // not a port: any free one

  if (saved)
    setenv("XDG_STATE_HOME", previous.c_str(), 1);
  else
    unsetenv("XDG_STATE_HOME");
  std::filesystem::remove_all(state);
}
