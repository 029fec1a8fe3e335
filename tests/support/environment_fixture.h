// Helpers for tests that make real environments of local nodes: unique names, the
// engines of the nodes, and removal of everything an environment left, even when the
// test failed half-way.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/client.h"

namespace rsm::testing {

// Every container, volume and network of the host engine labelled rsm.env=ENV (plus the
// environment's network by name): what a removed environment must not leave behind.
std::vector<std::string> leftovers(engine::Client& host, const std::string& env);

// Removes the environment through rsm, then whatever rsm did not remove.
void remove_environment(const std::string& env);

// The node's engine, read from `rsm nodes ls ENV --json`.
engine::Endpoint node_engine(const std::string& env, const std::string& node);

// A test with an environment of local nodes of its own: made before each test, removed
// after it whatever happened.
class EnvironmentTest : public ::testing::Test {
 protected:
  // Call from SetUp(): env_ = "<prefix>-<pid>", with that many managers and workers.
  void make_environment(const std::string& prefix, int managers, int workers);
  void TearDown() override { remove_environment(env_); }

  // "<env>-<role>-<index>"
  std::string node(const std::string& role, int index) const { return env_ + "-" + role + "-" + std::to_string(index); }

  // Stops (as a machine dies, after 10 s of grace) or starts a local node's container.
  static void set_node_running(const std::string& node_name, bool running);

  std::string env_;
};

}  // namespace rsm::testing
